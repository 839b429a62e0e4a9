// Package train builds the sentiment model matcher/sentiment embeds: it
// reads the SemEval 2017 task 4A tweets, deduplicates them across its
// files, trains a multinomial logistic regression by averaged SGD (its
// hashed features scaled by naive-Bayes log-count ratios), chooses λ and
// the decision threshold on the tuning file, and measures the quantized
// model beside VADER on the test file. Training is deterministic: the
// same data, options and seed give the same model file, byte for byte.
// `go run ./cmd/earshot-train sentiment` runs it.
package train
