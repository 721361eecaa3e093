package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"orderhub/service"
	"orderhub/service/catalog"
)

// masterData serves the company's master data on the staff API:
// warehouses, products, customers and staff.
type masterData struct {
	catalog  *catalog.Catalog
	staffing *service.Staffing
	log      *slog.Logger
}

// MountMasterData adds the master-data routes to the admin-guarded staff
// API group. The bearer token acts as 管理员.
func MountMasterData(g *gin.RouterGroup, cat *catalog.Catalog, staffing *service.Staffing, log *slog.Logger) {
	if cat == nil || staffing == nil || log == nil {
		panic("web: MountMasterData: missing dependency")
	}
	m := &masterData{catalog: cat, staffing: staffing, log: log}
	g.POST("/warehouses", m.createWarehouse)
	g.PATCH("/warehouses/:code", m.updateWarehouse)
	g.GET("/products/:sku", m.getProduct)
	g.PATCH("/products/:sku", m.updateProduct)
	g.GET("/customers", m.listCustomers)
	g.GET("/customers/:code", m.getCustomer)
	g.PATCH("/customers/:code", m.updateCustomer)
	g.GET("/staff", m.listStaff)
	g.GET("/staff/:userid", m.getStaff)
	g.PATCH("/staff/:userid", m.updateStaff)
	g.POST("/staff/:userid/deactivate", m.deactivateStaff)
}

func warehouseOut(w catalog.WarehouseView) gin.H {
	return gin.H{"code": w.Code, "name": w.Name, "region": w.Region, "priority": w.Priority, "keeper": w.Keeper}
}

func (m *masterData) createWarehouse(c *gin.Context) {
	var in struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		Region   string `json:"region"`
		Priority int    `json:"priority"`
		Keeper   string `json:"keeper"`
	}
	if !bind(c, &in) {
		return
	}
	w, err := m.catalog.CreateWarehouse(c.Request.Context(), catalog.WarehouseInput{Code: in.Code, Name: in.Name, Region: in.Region, Priority: in.Priority, Keeper: in.Keeper})
	if err != nil {
		fail(c, m.log, err)
		return
	}
	keeper := ""
	if w.KeeperStaffID != nil {
		keeper = in.Keeper
	}
	c.JSON(http.StatusCreated, gin.H{"warehouse": warehouseOut(catalog.WarehouseView{Warehouse: w, Keeper: keeper})})
}

func (m *masterData) updateWarehouse(c *gin.Context) {
	var in struct {
		Name     *string `json:"name"`
		Region   *string `json:"region"`
		Priority *int    `json:"priority"`
		Keeper   *string `json:"keeper"`
	}
	if !bind(c, &in) {
		return
	}
	w, err := m.catalog.UpdateWarehouse(c.Request.Context(), c.Param("code"), catalog.WarehousePatch{Name: in.Name, Region: in.Region, Priority: in.Priority, Keeper: in.Keeper})
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"warehouse": warehouseOut(w)})
}

type aliasJSON struct {
	Channel string `json:"channel"`
	Alias   string `json:"alias"`
}

func productViewOut(p catalog.ProductView) gin.H {
	as := make([]aliasJSON, len(p.Aliases))
	for i, a := range p.Aliases {
		as[i] = aliasJSON{Channel: a.Channel, Alias: a.Alias}
	}
	return gin.H{"sku": p.SKU, "name": p.Name, "spec": p.Spec, "unit": p.Unit, "price_fen": p.PriceFen, "active": p.Active, "aliases": as}
}

func (m *masterData) getProduct(c *gin.Context) {
	p, err := m.catalog.ProductView(c.Request.Context(), c.Param("sku"))
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"product": productViewOut(p)})
}

func (m *masterData) updateProduct(c *gin.Context) {
	var in struct {
		Name     *string      `json:"name"`
		Spec     *string      `json:"spec"`
		Unit     *string      `json:"unit"`
		PriceFen *int64       `json:"price_fen"`
		Active   *bool        `json:"active"`
		Aliases  *[]aliasJSON `json:"aliases"`
	}
	if !bind(c, &in) {
		return
	}
	pt := catalog.ProductPatch{Name: in.Name, Spec: in.Spec, Unit: in.Unit, PriceFen: in.PriceFen, Active: in.Active}
	if in.Aliases != nil {
		as := make([]catalog.Alias, len(*in.Aliases))
		for i, a := range *in.Aliases {
			as[i] = catalog.Alias{Channel: a.Channel, Alias: a.Alias}
		}
		pt.Aliases = &as
	}
	p, err := m.catalog.UpdateProduct(c.Request.Context(), c.Param("sku"), pt)
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"product": productViewOut(p)})
}

func customerOut(cu catalog.CustomerView) gin.H {
	return gin.H{"code": cu.Code, "name": cu.Name, "contact": cu.Contact, "phone": cu.Phone, "region": cu.Region,
		"warehouse": cu.Warehouse, "address": cu.Address, "tags": cu.TagList}
}

func (m *masterData) listCustomers(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	cs, total, err := m.catalog.ListCustomers(c.Request.Context(), catalog.CustomerFilter{
		Q: c.Query("q"), Region: c.Query("region"), Tag: c.Query("tag"), Warehouse: c.Query("warehouse"), Page: p, Size: size,
	})
	if err != nil {
		fail(c, m.log, err)
		return
	}
	items := make([]gin.H, len(cs))
	for i, cu := range cs {
		items[i] = customerOut(cu)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (m *masterData) getCustomer(c *gin.Context) {
	cu, err := m.catalog.CustomerView(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"customer": customerOut(cu)})
}

func (m *masterData) updateCustomer(c *gin.Context) {
	var in struct {
		Name      *string   `json:"name"`
		Contact   *string   `json:"contact"`
		Phone     *string   `json:"phone"`
		Region    *string   `json:"region"`
		Address   *string   `json:"address"`
		Warehouse *string   `json:"warehouse"`
		Tags      *[]string `json:"tags"`
	}
	if !bind(c, &in) {
		return
	}
	cu, err := m.catalog.UpdateCustomer(c.Request.Context(), c.Param("code"), catalog.CustomerPatch{
		Name: in.Name, Contact: in.Contact, Phone: in.Phone, Region: in.Region, Address: in.Address, Warehouse: in.Warehouse, Tags: in.Tags,
	})
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"customer": customerOut(cu)})
}

func staffOut(s service.StaffView) gin.H {
	return gin.H{"userid": s.UserID, "name": s.Name, "phone": s.Phone, "roles": s.RoleList, "warehouse": s.Warehouse,
		"active": s.Active, "lead": s.LeadUserID}
}

func (m *masterData) listStaff(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	f := service.StaffFilter{Q: c.Query("q"), Role: c.Query("role"), Page: p, Size: size}
	if v := c.Query("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeErr(c, http.StatusBadRequest, "invalid_active", "active 须为 true 或 false")
			return
		}
		f.Active = &b
	}
	ss, total, err := m.staffing.List(c.Request.Context(), f)
	if err != nil {
		fail(c, m.log, err)
		return
	}
	items := make([]gin.H, len(ss))
	for i, s := range ss {
		items[i] = staffOut(s)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (m *masterData) getStaff(c *gin.Context) {
	s, err := m.staffing.Get(c.Request.Context(), c.Param("userid"))
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"staff": staffOut(s)})
}

func (m *masterData) updateStaff(c *gin.Context) {
	var in struct {
		Name      *string   `json:"name"`
		Phone     *string   `json:"phone"`
		Warehouse *string   `json:"warehouse"`
		Roles     *[]string `json:"roles"`
		Active    *bool     `json:"active"`
	}
	if !bind(c, &in) {
		return
	}
	s, err := m.staffing.Update(c.Request.Context(), c.Param("userid"), service.StaffPatch{
		Name: in.Name, Phone: in.Phone, Warehouse: in.Warehouse, Roles: in.Roles, Active: in.Active,
	}, "管理员")
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"staff": staffOut(s)})
}

func (m *masterData) deactivateStaff(c *gin.Context) {
	h, err := m.staffing.Deactivate(c.Request.Context(), c.Param("userid"), "管理员")
	if err != nil {
		fail(c, m.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"handover": gin.H{"userid": h.UserID, "orders": h.Orders, "transfers": h.Transfers,
		"tickets": h.Tickets, "unassigned": h.Unassigned, "told": h.Told}})
}
