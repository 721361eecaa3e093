package config

import (
	"fmt"
	"strings"
	"time"
)

// MySQL tunes the MySQL/MariaDB deployment beyond the primary's DSN
// (mysql_dsn): read replicas for the board, its metrics, insight and
// exports. See docs/operations.md.
type MySQL struct {
	// Replicas are DSNs of read replicas of the primary (YAML list, or
	// ORDERHUB_MYSQL_REPLICA_DSN comma-separated). Only reads whose figures
	// may be a moment old go to them; every write and every read that
	// decides a write stays on the primary. The user needs the REPLICATION
	// CLIENT privilege (MariaDB 10.5+: SLAVE MONITOR) to read the lag.
	Replicas []string `yaml:"replicas" env:"REPLICA_DSN" envSeparator:","`
	// ReplicaMaxLag is the most a replica may be behind the primary and
	// still answer; a replica further behind, stopped or down is skipped
	// and the primary answers until it is back.
	ReplicaMaxLag Duration `yaml:"replica_max_lag" env:"REPLICA_MAX_LAG"`
	// ReplicaCheck is how often each replica's replication status is read.
	ReplicaCheck Duration `yaml:"replica_check" env:"REPLICA_CHECK"`
}

// DefaultMySQL is the replica tuning when none is given.
func DefaultMySQL() MySQL {
	return MySQL{ReplicaMaxLag: Duration(5 * time.Second), ReplicaCheck: Duration(time.Second)}
}

func (c *Config) validateMySQL() error {
	if len(c.MySQL.Replicas) == 0 {
		return nil
	}
	if c.MySQLDSN == "" {
		return fmt.Errorf("config: mysql.replicas (ORDERHUB_MYSQL_REPLICA_DSN): needs mysql_dsn (ORDERHUB_MYSQL_DSN); the embedded database has no replicas")
	}
	for i, dsn := range c.MySQL.Replicas {
		if strings.TrimSpace(dsn) == "" {
			return fmt.Errorf("config: mysql.replicas[%d] (ORDERHUB_MYSQL_REPLICA_DSN): must not be empty", i)
		}
		if !strings.Contains(dsn, "parseTime=") {
			return fmt.Errorf("config: mysql.replicas[%d] (ORDERHUB_MYSQL_REPLICA_DSN): must set parseTime=True, as mysql_dsn does", i)
		}
	}
	if c.MySQL.ReplicaMaxLag.D() <= 0 {
		return fmt.Errorf("config: mysql.replica_max_lag (ORDERHUB_MYSQL_REPLICA_MAX_LAG): must be > 0")
	}
	if c.MySQL.ReplicaCheck.D() <= 0 {
		return fmt.Errorf("config: mysql.replica_check (ORDERHUB_MYSQL_REPLICA_CHECK): must be > 0")
	}
	return nil
}
