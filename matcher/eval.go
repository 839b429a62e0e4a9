package matcher

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/earshothq/earshot/models"
)

// A Labelled post is one line of an evaluation file: a post in the
// webhook's shape and its label, true or false, or a purchase-intent stage
// (which also means true). Other fields are kept for the report.
type Labelled struct {
	Post  models.Post     `json:"post"`
	Label json.RawMessage `json:"label"`
	Kind  string          `json:"kind,omitempty"`
}

// label decodes the label: whether the post should match, and its stage.
func (l *Labelled) label() (bool, string, error) {
	var b bool
	if err := json.Unmarshal(l.Label, &b); err == nil {
		return b, "", nil
	}
	var s string
	if err := json.Unmarshal(l.Label, &s); err != nil {
		return false, "", fmt.Errorf("label: want true, false or a stage (%s), got %s", strings.Join(models.IntentStages, ", "), l.Label)
	}
	switch up := strings.ToUpper(s); {
	case up == "TRUE":
		return true, "", nil
	case up == "FALSE" || up == "":
		return false, "", nil
	case slices.Contains(models.IntentStages, up):
		return true, up, nil
	}
	return false, "", fmt.Errorf("label: %q is not true, false or a stage (%s)", s, strings.Join(models.IntentStages, ", "))
}

// EvalMiss is a post the manager got wrong.
type EvalMiss struct {
	ID      string
	Want    string // "true", "false" or a stage
	Got     string // "matched", "not matched" or the stage matched
	Score   float64
	Text    string
	Reasons []string
}

// EvalReport is what RunEval measured.
type EvalReport struct {
	N, TP, FP, FN, TN int
	// Confusion counts [gold][predicted] stages of the posts labelled with
	// a stage or false, "" standing for no intent (or no match).
	Confusion map[string]map[string]int
	// StageN and StageRight count the true positives labelled with a stage
	// and those whose stage was right.
	StageN, StageRight int
	// ByKind counts false positives by the label file's kind.
	FalseByKind map[string]int
	// WorstFP are the false positives with the highest scores, WorstFN the
	// false negatives with the lowest, up to Worst each.
	WorstFP, WorstFN []EvalMiss
}

func (r *EvalReport) Precision() float64 { return share(r.TP, r.TP+r.FP) }
func (r *EvalReport) Recall() float64    { return share(r.TP, r.TP+r.FN) }

func (r *EvalReport) F1() float64 {
	p, q := r.Precision(), r.Recall()
	if p+q == 0 {
		return 0
	}
	return 2 * p * q / (p + q)
}

// StageAccuracy is the share of the matched posts labelled with a stage
// whose stage the matcher got right.
func (r *EvalReport) StageAccuracy() float64 { return share(r.StageRight, r.StageN) }

func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Worst is how many misses of each kind an EvalReport keeps.
const Worst = 10

// RunEval evaluates each labelled post (JSON lines) of in against mgr,
// offline, and measures the manager against the labels. It stops at the
// first unreadable line with an error naming it.
func RunEval(ctx context.Context, m *Matcher, mgr *models.Manager, in io.Reader) (*EvalReport, error) {
	if errs := Validate(mgr); len(errs) > 0 {
		return nil, fmt.Errorf("matcher: %s: %w", managerLabel(mgr), CompileError(errs))
	}
	r := &EvalReport{Confusion: map[string]map[string]int{}, FalseByKind: map[string]int{}}
	var fps, fns []EvalMiss
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxPostLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var l Labelled
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("line %d: not a labelled post: %w", line, err)
		}
		if l.Label == nil {
			return nil, fmt.Errorf("line %d: no label", line)
		}
		want, stage, err := l.label()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		res, err := m.evaluate(ctx, mgr, &l.Post, true) // the focus scored even off-query, for the reasons
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		r.N++
		got := ""
		if res.Matched {
			got = res.Match.Intent
			if got == "" {
				got = "matched"
			}
		}
		if stage != "" || !want {
			gold, pred := stage, res.Match.Intent
			if !res.Matched {
				pred = ""
			}
			if r.Confusion[gold] == nil {
				r.Confusion[gold] = map[string]int{}
			}
			r.Confusion[gold][pred]++
		}
		miss := EvalMiss{ID: l.Post.ID, Want: string(l.Label), Got: got, Score: res.Match.Score,
			Text: strings.TrimSpace(l.Post.Title + " " + l.Post.Text), Reasons: res.Match.Reasons}
		if miss.Got == "" {
			miss.Got = "not matched"
		}
		switch {
		case res.Matched && want:
			r.TP++
			if stage != "" {
				r.StageN++
				if res.Match.Intent == stage {
					r.StageRight++
				}
			}
		case res.Matched:
			r.FP++
			kind := l.Kind
			if kind == "" {
				kind = "-"
			}
			r.FalseByKind[kind]++
			fps = append(fps, miss)
		case want:
			r.FN++
			fns = append(fns, miss)
		default:
			r.TN++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	sort.SliceStable(fps, func(i, j int) bool { return fps[i].Score > fps[j].Score })
	sort.SliceStable(fns, func(i, j int) bool { return fns[i].Score < fns[j].Score })
	r.WorstFP, r.WorstFN = fps[:min(Worst, len(fps))], fns[:min(Worst, len(fns))]
	return r, nil
}

// Write prints the report for people: figures, confusion table, misses.
func (r *EvalReport) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "posts %d: precision %.3f  recall %.3f  F1 %.3f  (tp %d, fp %d, fn %d, tn %d)\n",
		r.N, r.Precision(), r.Recall(), r.F1(), r.TP, r.FP, r.FN, r.TN)
	if r.StageN > 0 {
		fmt.Fprintf(bw, "stage accuracy %.3f (%d of %d matched posts labelled with a stage)\n", r.StageAccuracy(), r.StageRight, r.StageN)
	}
	if len(r.Confusion) > 0 {
		cols := append([]string{""}, models.IntentStages...)
		if _, ok := r.Confusion[""]; ok || len(r.Confusion) > 0 {
			fmt.Fprintf(bw, "\n%-12s", "label\\got")
			for _, c := range cols {
				fmt.Fprintf(bw, " %10s", stageName(c))
			}
			fmt.Fprintln(bw)
			for _, g := range cols {
				row, ok := r.Confusion[g]
				if !ok {
					continue
				}
				fmt.Fprintf(bw, "%-12s", stageName(g))
				for _, c := range cols {
					fmt.Fprintf(bw, " %10d", row[c])
				}
				fmt.Fprintln(bw)
			}
		}
	}
	if len(r.FalseByKind) > 0 {
		kinds := make([]string, 0, len(r.FalseByKind))
		for k := range r.FalseByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprint(bw, "\nfalse positives by kind:")
		for _, k := range kinds {
			fmt.Fprintf(bw, " %s %d", k, r.FalseByKind[k])
		}
		fmt.Fprintln(bw)
	}
	for _, part := range []struct {
		title string
		ms    []EvalMiss
	}{{"worst false positives (highest scores)", r.WorstFP}, {"worst misses (lowest scores)", r.WorstFN}} {
		if len(part.ms) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s:\n", part.title)
		for _, m := range part.ms {
			text := m.Text
			if len(text) > 140 {
				text = text[:140] + "…"
			}
			fmt.Fprintf(bw, "  %s  label %s, got %s, score %.2f: %q\n    %s\n", m.ID, m.Want, m.Got, m.Score, text, strings.Join(m.Reasons, "; "))
		}
	}
	return bw.Flush()
}

func stageName(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
