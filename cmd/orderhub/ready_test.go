package main

import (
	"context"
	"path/filepath"
	"testing"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// /readyz reads the schema: with its table dropped under a running
// instance (as with a dropped database), the instance is not ready.
func TestReadyzReadsTheSchema(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, dir)
	defer func() { _ = stop() }()
	if code, _ := getJSON(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz = %d before", code)
	}
	db, err := model.Open(context.Background(), model.Options{SQLitePath: filepath.Join(dir, "orderhub.db"), Log: modeltest.Log()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DROP TABLE schema_migrations").Error; err != nil {
		t.Fatal(err)
	}
	code, out := getJSON(t, base+"/readyz", "")
	if code != 503 {
		t.Fatalf("/readyz = %d %v with the schema gone, want 503", code, out)
	}
}
