package train

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/earshothq/earshot/matcher/sentiment"
)

// Example is one labelled text.
type Example struct {
	Text  string
	Label int // sentiment.ClassNegative, ClassNeutral or ClassPositive
}

// SemEval file names: the 2016 test file is reported on and never tuned
// against; the 2016 devtest file is the tuning set; the rest train.
const (
	TestFile = "twitter-2016test-A.txt"
	TuneFile = "twitter-2016devtest-A.txt"
)

// Split is the SemEval 2017 task 4A data, deduplicated by text: a text is
// in at most one of the three sets (test first, then tune), and one that
// appears with different labels in the training files is dropped.
type Split struct {
	Train, Tune, Test []Example
	// TrainFiles are the files read into Train, sorted.
	TrainFiles []string
	// Dropped counts duplicates and conflicting or malformed lines.
	Duplicates, Conflicts, Malformed int
}

// ReadSemEval reads dir's twitter-*-A.txt files (tab-separated: id,
// label, text).
func ReadSemEval(dir string) (*Split, error) {
	files, err := filepath.Glob(filepath.Join(dir, "twitter-*-A.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	s := &Split{}
	byName := map[string][]Example{}
	for _, f := range files {
		ex, bad, err := readFile(f)
		if err != nil {
			return nil, err
		}
		s.Malformed += bad
		byName[filepath.Base(f)] = ex
	}
	if byName[TestFile] == nil || byName[TuneFile] == nil {
		return nil, fmt.Errorf("train: %s has no %s or %s (see its README)", dir, TestFile, TuneFile)
	}
	seen := map[string]bool{}
	take := func(in []Example) []Example {
		var out []Example
		for _, e := range in {
			k := dedupKey(e.Text)
			if seen[k] {
				s.Duplicates++
				continue
			}
			seen[k] = true
			out = append(out, e)
		}
		return out
	}
	s.Test = take(byName[TestFile])
	s.Tune = take(byName[TuneFile])
	// Training texts: drop those with conflicting labels, keep one copy.
	labels := map[string]int{}
	conflict := map[string]bool{}
	var all []Example
	for _, f := range files {
		name := filepath.Base(f)
		if name == TestFile || name == TuneFile {
			continue
		}
		s.TrainFiles = append(s.TrainFiles, name)
		for _, e := range byName[name] {
			k := dedupKey(e.Text)
			if l, ok := labels[k]; ok && l != e.Label {
				conflict[k] = true
			}
			labels[k] = e.Label
			all = append(all, e)
		}
	}
	for _, e := range all {
		if conflict[dedupKey(e.Text)] {
			s.Conflicts++
			continue
		}
		if kept := take([]Example{e}); len(kept) == 1 {
			s.Train = append(s.Train, e)
		}
	}
	return s, nil
}

func readFile(path string) ([]Example, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var out []Example
	bad := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) < 3 {
			bad++
			continue
		}
		label := -1
		for k, n := range sentiment.ClassNames {
			if parts[1] == n {
				label = k
			}
		}
		text := cleanText(parts[2])
		if label < 0 || text == "" {
			bad++
			continue
		}
		out = append(out, Example{Text: text, Label: label})
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("train: %s: %w", path, err)
	}
	return out, bad, nil
}

// cleanText undoes the files' quoting: some texts are wrapped in double
// quotes with inner quotes doubled, and some end in a stray tab.
func cleanText(t string) string {
	t = strings.TrimSpace(t)
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		t = strings.ReplaceAll(t[1:len(t)-1], `""`, `"`)
	}
	return strings.TrimSpace(t)
}

// dedupKey: the same tweet differs between files only in case and spacing.
func dedupKey(t string) string {
	return strings.Join(strings.Fields(strings.ToLower(t)), " ")
}
