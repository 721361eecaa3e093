// Command gen draws the labelled slip set that the OCR accuracy test reads
// (internal/ocr/testdata/slips): every slip of sliptest.Slips in every
// condition of sliptest.Conditions, as PNG, and labels.json saying what
// each image holds. The images are committed, so the test needs no font;
// drawing them again needs fonts-noto-cjk and fonts-arphic-gkai00mp:
//
//	go generate ./internal/ocr/...
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"

	"orderhub/internal/ocr/sliptest"
)

type label struct {
	File      string `json:"file"`
	Condition string `json:"condition"`
	Font      string `json:"font"`
	sliptest.Slip
}

func main() {
	dir := "testdata/slips"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	faces := map[string]font.Face{}
	for name, paths := range map[string][]string{"sans": sliptest.FontPaths[:1], "serif": sliptest.FontPaths[1:2], "kai": {sliptest.KaiPath}} {
		f, err := sliptest.FaceFile(paths[0], 36)
		if err != nil {
			log.Fatalf("font %s: %v", name, err)
		}
		faces[name] = f
	}
	var labels []label
	for ci, c := range sliptest.Conditions {
		for si, s := range sliptest.Slips {
			o := c.Opt
			o.Seed = uint64(100*ci + si + 1)
			img, err := sliptest.Render(faces[c.Font], s.Text(), o)
			if err != nil {
				log.Fatal(err)
			}
			file := fmt.Sprintf("%s-%d.png", strings.ReplaceAll(c.Name, " ", "-"), si+1)
			if err := os.WriteFile(filepath.Join(dir, file), img, 0o644); err != nil {
				log.Fatal(err)
			}
			labels = append(labels, label{File: file, Condition: c.Name, Font: c.Font, Slip: s})
		}
	}
	b, err := json.MarshalIndent(labels, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}
