package config

import "errors"

// Backup tunes the embedded database's daily copies (orderhub backup and
// restore work on any data dir whatever this says). MySQL is backed up with
// its own tools; see docs/operations.md.
type Backup struct {
	// Keep is how many daily copies of the embedded database are kept in
	// <data_dir>/backups (orderhub-YYYY-MM-DD.db, one per local day, made
	// at start-up and then whenever a new day begins); 0 makes none.
	Keep int `yaml:"keep" env:"KEEP"`
}

func (c *Config) validateBackup() error {
	if c.Backup.Keep < 0 {
		return errors.New("config: backup.keep (ORDERHUB_BACKUP_KEEP): must be >= 0 (0 makes no daily copies)")
	}
	return nil
}
