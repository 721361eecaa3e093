package app

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"orderhub/config"
	"orderhub/model/modeltest"
)

// TestViewsReadFromTheReplica: a whole app configured with a real MariaDB
// replica answers the board's gauges and the metrics API from it, and
// when the replica stops replicating the primary answers them, as
// /metrics tells.
func TestViewsReadFromTheReplica(t *testing.T) {
	pair := modeltest.ReplicationPair(t)
	primary, replica := pair.FreshDatabase(t)
	rc, err := gomysql.ParseDSN(replica)
	if err != nil {
		t.Fatal(err)
	}
	_, srvs := testAppsWith(t, false, "", 1, func(c *config.Config) {
		c.MySQLDSN = primary
		c.WeCom.Local = config.WeComLocalInsecure
		c.MySQL.Replicas = []string{replica}
		c.MySQL.ReplicaCheck = config.Duration(100 * time.Millisecond)
	})
	base := srvs[0].URL
	server := pair.Server(t, pair.Replica)
	t.Cleanup(func() {
		if _, err := server.Exec("START SLAVE"); err != nil {
			t.Errorf("restarting the replica: %v", err)
		}
	})

	metric := func(body, name, labels string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	scrape := func() string {
		t.Helper()
		return string(adminGet(t, base+"/metrics"))
	}
	views := func() {
		t.Helper()
		for _, p := range []string{"/api/v1/metrics/volume", "/api/v1/metrics/on-time", "/api/v1/insight/calendar"} {
			adminGet(t, base+p)
		}
	}

	served := `served_by="` + rc.Addr + `"`
	// The migrations reach the replica a moment after the primary ran them.
	pair.Eventually(t, 30*time.Second, "the replica answering the views", func() bool {
		views()
		body := scrape()
		return metric(body, "orderhub_db_replica_up", `reason="",replica="`+rc.Addr+`"`) == 1 &&
			metric(body, "orderhub_db_replica_reads_total", served) > 0
	})
	before := metric(scrape(), "orderhub_db_replica_reads_total", `served_by="primary"`)

	if _, err := server.Exec("STOP SLAVE"); err != nil {
		t.Fatal(err)
	}
	pair.Eventually(t, 10*time.Second, "the stopped replica skipped", func() bool {
		return metric(scrape(), "orderhub_db_replica_up", `reason="stopped",replica="`+rc.Addr+`"`) == 0
	})
	views()
	body := scrape()
	if after := metric(body, "orderhub_db_replica_reads_total", `served_by="primary"`); after <= before {
		t.Errorf("with the replica stopped the primary answered %v replica reads, before %v: want more", after, before)
	}
	if n := metric(body, "orderhub_db_replica_skipped_reads_total", `reason="stopped",replica="`+rc.Addr+`"`); n <= 0 {
		t.Errorf("skipped reads for the stopped replica = %v, want > 0\n%s", n, body)
	}
}

// adminGet fetches url with the admin token and fails t on anything but 200.
func adminGet(t *testing.T, url string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return body
}
