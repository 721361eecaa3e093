package service_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// FindStaff takes a userid first, then a name; leavers count; a name two
// people share is refused with both userids, never guessed.
func TestFindStaff(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "liu1", Name: "刘洋", Roles: []string{"qc"}}))
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "liu2", Name: "刘洋", Roles: []string{"picker"}}))
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "chen", Name: "陈杰", Roles: []string{"picker"}}))
		// Someone whose name is another's userid: the userid wins.
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "gone", Name: "chen", Roles: []string{"picker"}}))
		if err := db.Model(&model.Staff{}).Where("user_id = ?", "gone").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ who, want string }{
			{"chen", "chen"}, {" 陈杰 ", "chen"}, {"liu2", "liu2"}, {"gone", "gone"},
		} {
			s, err := e.catalog.FindStaff(ctx, tc.who)
			if err != nil || s.UserID != tc.want {
				t.Errorf("FindStaff(%q) = %s, %v; want %s", tc.who, s.UserID, err, tc.want)
			}
		}
		_, err := e.catalog.FindStaff(ctx, "刘洋")
		var amb *service.AmbiguousStaffError
		if !errors.As(err, &amb) || !slices.Equal(amb.UserIDs, []string{"liu1", "liu2"}) || service.ErrorCode(err) != service.CodeStaffAmbiguous {
			t.Errorf("FindStaff(刘洋) = %v; want ambiguous between liu1 and liu2", err)
		}
		if _, err := e.catalog.FindStaff(ctx, "张三"); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("FindStaff(张三) = %v; want not found", err)
		}
	})
}
