// Package sentiment scores the polarity of a text fast enough for every
// candidate post of a firehose on one core: VADER's compound score, and
// a learned model (Model, model.go and features.go) that reads hashed word
// and character n-grams with negation scope plus VADER's score, trained
// by matcher/sentiment/train and embedded as model/sentiment.bin.
//
// The VADER part is a port of github.com/jonreiter/govader (MIT License,
// Copyright (c) 2020 jr), itself a port of the reference Python VADER
// (github.com/cjhutto/vaderSentiment, MIT License): the same lexicon and
// emoji descriptions (read from govader at first use), the same booster,
// negation, "no", "least", "but", ALL-CAPS, idiom and punctuation rules, in
// the same order and with govader's own quirks, so that Compound equals
// govader's PolarityScores(text).Compound. What differs is the cost: one
// pass over the text into reused buffers, one map lookup per token, no
// regular expressions and no allocation per call.
package sentiment
