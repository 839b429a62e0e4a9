// Package sentiment computes VADER compound sentiment scores fast enough to
// score every candidate post of a firehose on one core.
//
// It is a port of github.com/jonreiter/govader (MIT License, Copyright (c)
// 2020 jr), itself a port of the reference Python VADER
// (github.com/cjhutto/vaderSentiment, MIT License): the same lexicon and
// emoji descriptions (read from govader at first use), the same booster,
// negation, "no", "least", "but", ALL-CAPS, idiom and punctuation rules, in
// the same order and with govader's own quirks, so that Compound equals
// govader's PolarityScores(text).Compound. What differs is the cost: one
// pass over the text into reused buffers, one map lookup per token, no
// regular expressions and no allocation per call.
package sentiment
