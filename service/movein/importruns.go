package movein

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/model"
	"orderhub/service/kernel"
)

// JobImport names the job runs of spreadsheet imports: every import is a
// job_runs row (started, finished, what it did), so the board shows the
// imports running and done on every instance.
const JobImport = "import"

// progressEvery is how many rows an import reads between reports.
const progressEvery = 500

// importStale is how long an unfinished import is shown as running; after
// that its process is taken to have died (the file was never applied: it
// is applied in one transaction).
const importStale = time.Hour

// WithProgress makes imports report the rows read so far to Redis while
// they run (the import's writes are one transaction, which SQLite's single
// writer would make a progress row wait for). Without it the board shows
// a running import without a count.
func (im *Imports) WithProgress(rdb redis.UniversalClient, prefix string) *Imports {
	im.rdb, im.prefix = rdb, prefix
	return im
}

func (im *Imports) progressKey(id uint64) string {
	return im.prefix + "import:rows:" + strconv.FormatUint(id, 10)
}

// begin records an import starting; 0 when it could not be recorded (the
// import goes on: its record is for the board, not for the import).
func (im *Imports) begin(ctx context.Context, kind string) uint64 {
	run := model.JobRun{Job: JobImport, Slot: kind + ":" + kernel.RandomToken()[:16], StartedAt: im.clock()}
	if err := im.db.WithContext(ctx).Create(&run).Error; err != nil {
		return 0
	}
	return run.ID
}

// report publishes rows read so far; best effort.
func (im *Imports) report(ctx context.Context, id uint64, rows int) {
	if im.rdb == nil || id == 0 || rows%progressEvery != 0 {
		return
	}
	im.rdb.Set(ctx, im.progressKey(id), rows, importStale)
}

// end records how an import ended.
func (im *Imports) end(ctx context.Context, id uint64, res ImportResult, err error) {
	if id == 0 {
		return
	}
	var result string
	var rows *InvalidRowsError
	switch {
	case err == nil:
		result = fmt.Sprintf("完成：%d 行，新建 %d，更新 %d，不变 %d", res.Rows, res.Created, res.Updated, res.Unchanged)
	case errors.As(err, &rows):
		result = fmt.Sprintf("有错，未导入：%d 处问题", len(rows.Rows))
	default:
		result = "失败，未导入：" + err.Error()
	}
	now := im.clock()
	ctx = context.WithoutCancel(ctx)
	im.db.WithContext(ctx).Model(&model.JobRun{}).Where("id = ?", id).
		Updates(map[string]any{"finished_at": now, "result": kernel.Trunc(result, 500)})
	if im.rdb != nil {
		im.rdb.Del(ctx, im.progressKey(id))
	}
}

// ImportRun is one import as the board shows it.
type ImportRun struct {
	ID         uint64
	Kind       string
	StartedAt  time.Time
	FinishedAt *time.Time
	Result     string
	// Running is true while it has not finished (and started within the
	// last hour); Rows is then the rows read so far, when reported.
	Running bool
	Rows    int
}

// Runs lists the latest imports, newest first.
func (im *Imports) Runs(ctx context.Context, limit int) (_ []ImportRun, err error) {
	defer kernel.WrapOp(&err, "Imports.Runs")
	var runs []model.JobRun
	if err := im.db.WithContext(ctx).Where("job = ?", JobImport).Order("id DESC").Limit(limit).Find(&runs).Error; err != nil {
		return nil, err
	}
	now := im.clock()
	out := make([]ImportRun, len(runs))
	for i, r := range runs {
		kind := r.Slot
		if k, _, ok := strings.Cut(r.Slot, ":"); ok {
			kind = k
		}
		v := ImportRun{ID: r.ID, Kind: kind, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Result: r.Result}
		if r.FinishedAt == nil {
			if now.Sub(r.StartedAt) < importStale {
				v.Running = true
				if im.rdb != nil {
					if n, err := im.rdb.Get(ctx, im.progressKey(r.ID)).Int(); err == nil {
						v.Rows = n
					}
				}
			} else {
				v.Result = "中断，未导入（进程在导入中退出）"
			}
		}
		out[i] = v
	}
	return out, nil
}
