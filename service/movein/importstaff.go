package movein

import (
	"slices"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

type staffImport struct {
	roles      []string
	existing   map[string]model.Staff
	warehouses []model.Warehouse
	rows       []model.Staff
	seen       map[string]int
}

func (*staffImport) columns() []Column {
	return []Column{
		{Key: "userid", Header: "企业微信账号", Required: true, Example: "wang.li", Note: "企业微信通讯录里的账号（userid），最多 64 个字符"},
		{Key: "name", Header: "姓名", Required: true, Example: "王丽", Note: "最多 64 个字符"},
		{Key: "roles", Header: "角色", Example: "keeper", Note: "配置的角色，多个用逗号隔开；空则只能查看"},
		{Key: "warehouse", Header: "所在仓库", Example: "SH", Note: "仓库编码或名称"},
		{Key: "phone", Header: "手机", Example: "13900000002", Note: "最多 32 个字符"},
	}
}

func (si *staffImport) load(tx *gorm.DB) error {
	var ss []model.Staff
	if err := tx.Find(&ss).Error; err != nil {
		return err
	}
	si.existing, si.seen = map[string]model.Staff{}, map[string]int{}
	for _, s := range ss {
		si.existing[s.UserID] = s
	}
	return tx.Find(&si.warehouses).Error
}

func (si *staffImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	id := text(v, "userid", catalog.MaxUserID, true, bad)
	s, exists := si.existing[id]
	if !exists {
		s = model.Staff{UserID: id, Active: true}
	}
	s.Name = text(v, "name", catalog.MaxStaffName, true, bad)
	if v.has("phone") {
		s.Phone = text(v, "phone", catalog.MaxPhone, false, bad)
	}
	if v.has("roles") {
		var roles []string
		for _, r := range strings.FieldsFunc(v.get("roles"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
			if !slices.Contains(si.roles, r) {
				bad("roles", "没有角色 %q；角色有 %s", r, strings.Join(si.roles, ", "))
				continue
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		s.Roles = kernel.JoinRoles(roles)
		if len(s.Roles) > 255 {
			bad("roles", "合计超过 255 个字")
		}
	}
	if v.has("warehouse") {
		s.WarehouseID = nil
		if w := v.get("warehouse"); w != "" {
			wid, ok := lookupWarehouse(si.warehouses, w)
			if !ok {
				bad("warehouse", "没有仓库 %q", w)
			}
			s.WarehouseID = &wid
		}
	}
	if first, dup := si.seen[id]; dup && id != "" {
		bad("userid", "%s 已在第 %d 行出现", id, first)
	}
	si.seen[id] = row
	si.rows = append(si.rows, s)
}

func (si *staffImport) apply(tx *gorm.DB, res *ImportResult) error {
	var fresh []model.Staff
	for _, s := range si.rows {
		old, ok := si.existing[s.UserID]
		if !ok {
			fresh = append(fresh, s)
			continue
		}
		if old.Name == s.Name && old.Phone == s.Phone && old.Roles == s.Roles && eqID(old.WarehouseID, s.WarehouseID) {
			res.Unchanged++
			continue
		}
		if err := tx.Model(&model.Staff{}).Where("id = ?", old.ID).Updates(map[string]any{
			"name": s.Name, "phone": s.Phone, "roles": s.Roles, "warehouse_id": s.WarehouseID,
		}).Error; err != nil {
			return err
		}
		res.Updated++
	}
	if len(fresh) > 0 {
		if err := tx.CreateInBatches(&fresh, 500).Error; err != nil {
			return err
		}
		res.Created += len(fresh)
	}
	return nil
}

// ---- stock ----
