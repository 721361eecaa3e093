package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"orderhub/config"
)

// askedHelp reports whether a subcommand's arguments ask for help: "help"
// first, or -h / -help / --help before a "--".
func askedHelp(args []string) bool {
	if len(args) > 0 && args[0] == "help" {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// helpText is the help of the commands without flags.
var helpText = map[string]string{
	"serve": `usage: orderhub [serve]

Start the server: the staff API, the board (/dashboard), the WeCom callback,
the mini-program API and the tracking pages, with escalation, the outbox,
the nightly audit and directory sync. With no ORDERHUB_MYSQL_DSN it runs
embedded (SQLite and Redis in-process, demo data) in ORDERHUB_DATA_DIR.
`,
	"migrate": `usage: orderhub migrate

Bring the database schema up to date and print its version (serve does the
same at start-up, under a MySQL named lock).
`,
	"audit": `usage: orderhub audit

Check now that stock adds up (serve runs it nightly at 02:00). It checks only
an existing database with the schema.
`,
	"directory": `usage: orderhub directory sync

Bring staff in step with the WeCom directory now (serve does it nightly at
03:00 when a corp is configured): needs ORDERHUB_WECOM_CORP_ID and its secret.
`,
	"bench": `usage: orderhub bench reserve [flags]   hot-SKU reservation throughput
       orderhub bench http [flags]      open-loop order load against a served orderhub

orderhub bench reserve -h and orderhub bench http -h list the flags; figures
and how to read them: docs/benchmarks.md.
`,
}

// commandHelp answers `orderhub <cmd> --help` with exit status 0: the
// command's text, and for commands with flags their list (which the flag
// package writes to stderr). Help needs no valid configuration: a
// configuration that does not load shows the defaults.
func commandHelpFor(cmd string, args []string) (string, bool) {
	if cmd == "bench" && len(args) > 0 && (args[0] == "reserve" || args[0] == "http") {
		return "", false
	}
	txt, ok := helpText[cmd]
	return txt, ok
}

func commandHelp(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if txt, ok := commandHelpFor(cmd, args); ok {
		fmt.Fprint(stdout, txt)
		fmt.Fprint(stdout, "\nConfiguration: ORDERHUB_CONFIG (YAML) and ORDERHUB_* variables, docs/configuration.md.\n")
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		cfg = config.Default()
	}
	// Only the flags are parsed: each command parses them before it opens
	// anything, and -h stops it there with flag.ErrHelp.
	if cmd == "bench" {
		args = []string{args[0], "-h"}
	} else {
		args = []string{"-h"}
	}
	err = dispatch(ctx, cmd, cfg, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err == nil {
		return errors.New(cmd + ": -h did not stop at the flags")
	}
	return err
}
