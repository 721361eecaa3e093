package catalog_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// FindStaff takes a userid first, then a name; leavers count; a name two
// people share is refused with both userids, never guessed.
func TestFindStaff(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		cat := catalog.NewCatalog(db, config.DefaultRoles)
		ctx := context.Background()
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "liu1", Name: "刘洋", Roles: []string{"qc"}}))
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "liu2", Name: "刘洋", Roles: []string{"picker"}}))
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "chen", Name: "陈杰", Roles: []string{"picker"}}))
		// Someone whose name is another's userid: the userid wins.
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "gone", Name: "chen", Roles: []string{"picker"}}))
		if err := db.Model(&model.Staff{}).Where("user_id = ?", "gone").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ who, want string }{
			{"chen", "chen"}, {" 陈杰 ", "chen"}, {"liu2", "liu2"}, {"gone", "gone"},
		} {
			s, err := cat.FindStaff(ctx, tc.who)
			if err != nil || s.UserID != tc.want {
				t.Errorf("FindStaff(%q) = %s, %v; want %s", tc.who, s.UserID, err, tc.want)
			}
		}
		_, err := cat.FindStaff(ctx, "刘洋")
		var amb *catalog.AmbiguousStaffError
		if !errors.As(err, &amb) || !slices.Equal(amb.UserIDs, []string{"liu1", "liu2"}) || kernel.ErrorCode(err) != kernel.CodeStaffAmbiguous {
			t.Errorf("FindStaff(刘洋) = %v; want ambiguous between liu1 and liu2", err)
		}
		if _, err := cat.FindStaff(ctx, "张三"); !errors.Is(err, kernel.ErrNotFound) {
			t.Errorf("FindStaff(张三) = %v; want not found", err)
		}
	})
}

// forgotten records which customers a customer edit said changed.
type forgotten struct{ ids []uint64 }

func (f *forgotten) ForgetCustomers(_ context.Context, _ *gorm.DB, ids []uint64) {
	f.ids = append(f.ids, ids...)
}

// A customer edit tells the buyer cache (CustomersChanged) which customer
// changed, after it commits; a refused edit tells nothing, and a catalog
// without a cache edits all the same.
func TestUpdateCustomerTellsCustomersChanged(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		plain := catalog.NewCatalog(db, config.DefaultRoles)
		cu := must(plain.CreateCustomer(ctx, catalog.CustomerInput{Code: "c1", Name: "宏达机电"}))
		contact := "王经理"
		if v, err := plain.UpdateCustomer(ctx, "C1", catalog.CustomerPatch{Contact: &contact}); err != nil || v.Contact != contact {
			t.Fatalf("without a cache: %+v, %v", v, err)
		}
		told := &forgotten{}
		cat := catalog.NewCatalog(db, config.DefaultRoles).WithBuyerCache(told)
		long := strings.Repeat("长", catalog.MaxContact+1)
		if _, err := cat.UpdateCustomer(ctx, "C1", catalog.CustomerPatch{Contact: &long}); !errors.Is(err, kernel.ErrInvalid) {
			t.Fatalf("too long a contact = %v, want invalid", err)
		}
		if len(told.ids) != 0 {
			t.Fatalf("a refused edit told %v", told.ids)
		}
		contact = "李经理"
		if _, err := cat.UpdateCustomer(ctx, "C1", catalog.CustomerPatch{Contact: &contact}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(told.ids, []uint64{cu.ID}) {
			t.Errorf("told %v, want [%d]", told.ids, cu.ID)
		}
	})
}
