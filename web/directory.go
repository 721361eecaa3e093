package web

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/service/movein"
)

// MountDirectory adds POST /directory/sync, the WeCom directory sync on
// demand, to the staff API group.
func MountDirectory(g *gin.RouterGroup, sync *movein.DirectorySync, log *slog.Logger) {
	if sync == nil || log == nil {
		panic("web: MountDirectory: missing dependency")
	}
	g.POST("/directory/sync", func(c *gin.Context) {
		res, err := sync.Sync(c.Request.Context(), "管理员")
		if err != nil {
			fail(c, log, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"sync": syncOut(res)})
	})
}

func syncOut(res movein.SyncResult) gin.H {
	left := make([]gin.H, len(res.Left))
	for i, h := range res.Left {
		left[i] = gin.H{"userid": h.UserID, "orders": h.Orders, "transfers": h.Transfers, "tickets": h.Tickets, "unassigned": h.Unassigned, "told": h.Told}
	}
	created := res.Created
	if created == nil {
		created = []string{}
	}
	return gin.H{"departments": res.Departments, "members": res.Members, "created": created, "updated": res.Updated,
		"unchanged": res.Unchanged, "left": left}
}
