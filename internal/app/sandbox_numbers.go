package app

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"orderhub/model"
)

// sandboxIDBase is where a sandbox's order, ticket, transfer and intake
// ids start counting, and with them the numbers people read
// (SO20261207-900000001, TK20261207-900000001): far above any real
// orderhub's (it would take 900 million orders to get there), so a number
// seen in practice is never a real one's, and a trainee who types it in
// the real chat, or a real card bearing a real number, never reaches the
// other side's record (issue 25 #8).
const sandboxIDBase = 900_000_000

// sandboxNumbered are the tables whose ids make the numbers people read.
var sandboxNumbered = []string{"orders", "tickets", "transfers", "intakes"}

// numberApart moves a sandbox's id counters up to sandboxIDBase; it only
// raises them, so it may run at every open: a counter already past it, or
// a sandbox made before this rule, keeps what it has and counts on.
func numberApart(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	mysql := model.IsMySQL(db)
	for _, table := range sandboxNumbered {
		if mysql {
			// MySQL never sets AUTO_INCREMENT below the highest id + 1.
			if err := db.Exec(fmt.Sprintf("ALTER TABLE `%s` AUTO_INCREMENT = %d", table, sandboxIDBase+1)).Error; err != nil {
				return err
			}
			continue
		}
		// SQLite's AUTOINCREMENT continues from sqlite_sequence, which
		// has a table's row only once the table held one.
		if err := db.Exec("INSERT INTO sqlite_sequence (name, seq) SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)", table, table).Error; err != nil {
			return err
		}
		if err := db.Exec("UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?", sandboxIDBase, table, sandboxIDBase).Error; err != nil {
			return err
		}
	}
	if !mysql {
		return nil
	}
	// Order ids on MySQL come in blocks from this counter (service.orderIDs).
	return db.Exec("UPDATE counters SET value = ? WHERE name = ? AND value < ?", sandboxIDBase, model.CounterOrderIDs, sandboxIDBase).Error
}
