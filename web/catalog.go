package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

func (s *Server) listWarehouses(c *gin.Context) {
	ws, err := s.d.Catalog.WarehouseViews(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]gin.H, len(ws))
	for i, w := range ws {
		items[i] = warehouseOut(w)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type productJSON struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Spec      string `json:"spec"`
	Unit      string `json:"unit"`
	PriceFen  int64  `json:"price_fen"`
	Active    bool   `json:"active"`
	Available *int64 `json:"available,omitempty"`
}

func productOut(p model.Product) productJSON {
	return productJSON{SKU: p.SKU, Name: p.Name, Spec: p.Spec, Unit: p.Unit, PriceFen: p.PriceFen, Active: p.Active}
}

// page reads ?page= and ?size= (defaults 1 and 50).
func page(c *gin.Context) (int, int, bool) {
	p, size := 1, 50
	var err error
	if v := c.Query("page"); v != "" {
		if p, err = strconv.Atoi(v); err != nil || p < 1 || p > service.MaxPage {
			writeErr(c, http.StatusBadRequest, "invalid_page", fmt.Sprintf("page 须为 1 到 %d 的整数", service.MaxPage))
			return 0, 0, false
		}
	}
	if v := c.Query("size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 200 {
			writeErr(c, http.StatusBadRequest, "invalid_size", "size 须为 1 到 200 的整数")
			return 0, 0, false
		}
	}
	return p, size, true
}

func (s *Server) listProducts(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	ps, total, err := s.d.Catalog.ListProducts(c.Request.Context(), c.Query("q"), p, size)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]productJSON, len(ps))
	for i, p := range ps {
		items[i] = productOut(p.Product)
		items[i].Available = &ps[i].Available
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (s *Server) createProduct(c *gin.Context) {
	var in struct {
		SKU      string `json:"sku"`
		Name     string `json:"name"`
		Spec     string `json:"spec"`
		Unit     string `json:"unit"`
		PriceFen int64  `json:"price_fen"`
	}
	if !bind(c, &in) {
		return
	}
	p, err := s.d.Catalog.CreateProduct(c.Request.Context(), catalog.ProductInput{SKU: in.SKU, Name: in.Name, Spec: in.Spec, Unit: in.Unit, PriceFen: in.PriceFen})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"product": productOut(p)})
}

func (s *Server) createStaff(c *gin.Context) {
	var in struct {
		UserID    string   `json:"userid"`
		Name      string   `json:"name"`
		Roles     []string `json:"roles"`
		Warehouse string   `json:"warehouse"`
		Phone     string   `json:"phone"`
	}
	if !bind(c, &in) {
		return
	}
	st, err := s.d.Catalog.CreateStaff(c.Request.Context(), catalog.StaffInput{UserID: in.UserID, Name: in.Name, Roles: in.Roles, Warehouse: in.Warehouse, Phone: in.Phone})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"staff": gin.H{"userid": st.UserID, "name": st.Name, "roles": service.SplitRoles(st.Roles), "warehouse": in.Warehouse, "phone": st.Phone}})
}

func (s *Server) createCustomer(c *gin.Context) {
	var in struct {
		Code      string `json:"code"`
		Name      string `json:"name"`
		Contact   string `json:"contact"`
		Phone     string `json:"phone"`
		Region    string `json:"region"`
		Warehouse string `json:"warehouse"`
		Address   string `json:"address"`
	}
	if !bind(c, &in) {
		return
	}
	cu, err := s.d.Catalog.CreateCustomer(c.Request.Context(), catalog.CustomerInput{Code: in.Code, Name: in.Name, Contact: in.Contact, Phone: in.Phone, Region: in.Region, Warehouse: in.Warehouse, Address: in.Address})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"customer": gin.H{"code": cu.Code, "name": cu.Name, "contact": cu.Contact, "phone": cu.Phone, "region": cu.Region, "warehouse": in.Warehouse}})
}
