// Command earshot-train trains the models Earshot embeds.
//
//	go run ./cmd/earshot-train sentiment [-data DIR] [-out FILE] [-seed N]
//
// trains the sentiment model from the SemEval 2017 task 4A tweets (see
// BENCHMARKS.md) and writes it where matcher/sentiment embeds it.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/matcher/sentiment"
	"github.com/earshothq/earshot/matcher/sentiment/train"
)

const usage = `earshot-train — trains the models Earshot embeds

Usage:
  earshot-train sentiment [-data DIR] [-out FILE] [-seed N] [-bits N] [-epochs N] [-nb F] [-lambdas L,L,…]
  earshot-train sentiment -h     (every setting)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "sentiment" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err := trainSentiment(args[1:], stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "earshot-train:", err)
		return 1
	}
	return 0
}

func trainSentiment(args []string, stdout, stderr io.Writer) error {
	o := train.DefaultOptions()
	fs := flag.NewFlagSet("sentiment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "../shared/data/semeval-2017-task4a", "directory of the SemEval 2017 task 4A files (twitter-*-A.txt)")
	out := fs.String("out", "matcher/sentiment/model/sentiment.bin", "model file to write; empty writes none")
	seed := fs.Uint64("seed", o.Seed, "shuffling seed")
	bits := fs.Uint("bits", uint(o.Config.Bits), "hashed feature space: 2^bits buckets")
	charMin := fs.Uint("char-min", uint(o.Config.CharMin), "shortest character n-gram")
	charMax := fs.Uint("char-max", uint(o.Config.CharMax), "longest character n-gram; 0: none")
	trigrams := fs.Bool("trigrams", o.Config.Flags&sentiment.FlagTrigrams != 0, "word trigrams")
	skip := fs.Bool("skip-bigrams", o.Config.Flags&sentiment.FlagSkipBigrams != 0, "word pairs one word apart")
	bags := fs.Int("bags", o.Bags, "models (seeds seed, seed+1, …) averaged into one")
	epochs := fs.Int("epochs", o.Epochs, "passes over the training data")
	eta := fs.Float64("eta", o.Eta0, "initial learning rate")
	average := fs.Bool("average", o.Average, "average the weights over all steps")
	classPower := fs.Float64("class-power", o.ClassPower, "class weights (n/(3·n_c))^p: 0 equal, 1 balanced")
	nb := fs.Float64("nb", o.NB, "naive-Bayes feature scaling |r|+NB (Wang & Manning); 0: off")
	skipTest := fs.Bool("skip-test", false, "do not measure on the test file (while choosing settings)")
	lambdas := fs.String("lambdas", joinFloats(o.Lambdas), "L2 strengths to try on the tuning set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bits < 8 || *bits > 24 || *charMax > 8 || *charMin > *charMax {
		return fmt.Errorf("-bits must be 8…24 and -char-min ≤ -char-max ≤ 8")
	}
	o.Seed, o.Epochs, o.Eta0, o.Average, o.ClassPower = *seed, *epochs, *eta, *average, *classPower
	o.Config.Bits, o.Config.CharMin, o.Config.CharMax = uint8(*bits), uint8(*charMin), uint8(*charMax)
	o.SkipTest, o.Bags, o.NB = *skipTest, *bags, *nb
	for _, f := range []struct {
		on   bool
		flag uint16
	}{{*trigrams, sentiment.FlagTrigrams}, {*skip, sentiment.FlagSkipBigrams}} {
		if f.on {
			o.Config.Flags |= f.flag
		} else {
			o.Config.Flags &^= f.flag
		}
	}
	o.Lambdas = nil
	for _, s := range strings.Split(*lambdas, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 {
			return fmt.Errorf("-lambdas: %q is not a non-negative number", s)
		}
		o.Lambdas = append(o.Lambdas, v)
	}
	split, err := train.ReadSemEval(*data)
	if err != nil {
		return err
	}
	b, r, err := train.Run(split, o, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained on %d tweets (%s and %s), λ=%g, shift %.2f, threshold %.2f\n",
		r.TrainSize, strings.Join(split.TrainFiles, ", "), train.TuneFile, r.Lambda, r.Shift, r.Threshold)
	fmt.Fprintf(stdout, "tune  (%s, model trained without it)\n  model %s\n  VADER %s\n", train.TuneFile, r.TuneModel.String(), r.TuneVADER.String())
	fmt.Fprintf(stdout, "test  (%s, never tuned on)\n  model %s\n  VADER %s\n", train.TestFile, r.TestModel.String(), r.TestVADER.String())
	fmt.Fprintf(stdout, "model confusion on test:\n%s", r.TestModel.Table())
	fmt.Fprintf(stdout, "model: %d bytes, sha256 %x\n", len(b), sha256.Sum256(b))
	if *out != "" {
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	return nil
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}
