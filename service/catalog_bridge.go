package service

// This file is a bridge while the edges move to the catalog room
// (service/catalog): its names under the names root files and the edges
// used before it moved, so they compile unchanged. Each name goes as the
// last root file or edge using it imports service/catalog itself.

import (
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/catalog"
)

// Types of the catalog.
type (
	Catalog             = catalog.Catalog
	ProductInput        = catalog.ProductInput
	ProductStock        = catalog.ProductStock
	WarehouseInput      = catalog.WarehouseInput
	CustomerInput       = catalog.CustomerInput
	StaffInput          = catalog.StaffInput
	WarehouseView       = catalog.WarehouseView
	WarehousePatch      = catalog.WarehousePatch
	ProductView         = catalog.ProductView
	Alias               = catalog.Alias
	ProductPatch        = catalog.ProductPatch
	CustomerView        = catalog.CustomerView
	CustomerPatch       = catalog.CustomerPatch
	CustomerFilter      = catalog.CustomerFilter
	AmbiguousStaffError = catalog.AmbiguousStaffError
)

// The master data's column limits (catalog.MaxSKU, …).
const (
	MaxWarehouseCode = catalog.MaxWarehouseCode
	MaxWarehouseName = catalog.MaxWarehouseName
	MaxRegion        = catalog.MaxRegion
	MaxSKU           = catalog.MaxSKU
	MaxProductName   = catalog.MaxProductName
	MaxSpec          = catalog.MaxSpec
	MaxUnit          = catalog.MaxUnit
	MaxCustomerCode  = catalog.MaxCustomerCode
	MaxCustomerName  = catalog.MaxCustomerName
	MaxContact       = catalog.MaxContact
	MaxPhone         = catalog.MaxPhone
	MaxAddress       = catalog.MaxAddress
	MaxTags          = catalog.MaxTags
	MaxUserID        = catalog.MaxUserID
	MaxStaffName     = catalog.MaxStaffName
	MaxRoles         = catalog.MaxRoles
	MaxAlias         = catalog.MaxAlias
	MaxChannel       = catalog.MaxChannel
	MaxPriority      = catalog.MaxPriority
)

// NewCatalog returns a Catalog; roles are the roles staff may hold.
func NewCatalog(db *gorm.DB, roles []string) *Catalog { return catalog.NewCatalog(db, roles) }

// ValidSKU says whether sku, normalized, is one the catalog takes.
func ValidSKU(sku string) bool { return catalog.ValidSKU(sku) }

// NormalizeSKU upper-cases and trims a SKU as typed.
func NormalizeSKU(s string) string { return catalog.NormalizeSKU(s) }

// JoinTags stores a customer's tags (catalog.JoinTags).
func JoinTags(tags []string) string { return catalog.JoinTags(tags) }

// Warehouses lists the warehouses in db, highest priority first.
func Warehouses(db *gorm.DB) ([]model.Warehouse, error) { return catalog.Warehouses(db) }

// StaffAsActor turns a staff row into an Actor.
func StaffAsActor(s model.Staff) Actor { return catalog.StaffAsActor(s) }
