package sentiment

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// The learned model reads a text as hashed sparse features (word unigrams
// marked inside a negation's scope, word bigrams, optionally trigrams or
// pairs one word apart, hashtags, character n-grams of each word) plus a
// few dense ones (VADER's compound score and lexicon counts). Training
// (matcher/sentiment/train) and scoring share this code, so a model always
// sees the features it was trained on.

// FeatureConfig fixes the feature space; a model file records it.
type FeatureConfig struct {
	Bits    uint8 // 2^Bits hashed buckets
	CharMin uint8 // shortest character n-gram of a word (with its boundary marks)
	CharMax uint8 // longest; 0 turns character n-grams off
	Flags   uint16
}

// Feature flags.
const (
	FlagTrigrams    uint16 = 1 << iota // word trigrams
	FlagSkipBigrams                    // word pairs one word apart
	// FlagsKnown are the flags this code reads.
	FlagsKnown = FlagTrigrams | FlagSkipBigrams
)

// Dense features, stored after the hashed buckets.
const (
	denseCompound  = iota // VADER compound score
	densePositive         // compound ≥ 0.05
	denseNegative         // compound ≤ -0.05
	denseLexPos           // sum of positive lexicon valences (negation applied) / 4
	denseLexNeg           // sum of negative ones / 4
	denseLastLex          // valence of the last lexicon word / 4
	denseExclaim          // has '!'
	denseQuestion         // has '?'
	denseElongated        // has an elongated word ("soooo")
	denseAllCaps          // has an ALL-CAPS word of 3+ letters
	denseBias             // always 1: lets the hashed part stay normalized
	NumDense
)

// Hash seeds keep the feature kinds apart in the shared bucket space.
const (
	seedUnigram uint32 = 0x9e3779b1
	seedNegated uint32 = 0x85ebca77
	seedBigram  uint32 = 0xc2b2ae3d
	seedHashtag uint32 = 0x27d4eb2f
	seedChar    uint32 = 0x165667b1
	seedTrigram uint32 = 0xd3a2646c
	seedSkip    uint32 = 0x4cf5ad43
)

type tokKind uint8

const (
	tokWord tokKind = iota
	tokNum
	tokPunct
	tokEmoticon
	tokEmoji
	tokURL
	tokUser
	tokHashtag
)

type ftok struct {
	lo, hi  int32 // normalized bytes in featScratch.buf
	kind    tokKind
	negated bool
	valence float64 // VADER lexicon valence of a word
}

// featScratch is reused between calls (pooled by Model).
type featScratch struct {
	buf   []byte
	toks  []ftok
	idx   []uint32
	dense [NumDense]float64
}

func fnv1a(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// mix finalizes a hash (murmur3's fmix32) so that its low bits, the
// bucket, depend on all of it.
func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

var emoticons = []string{
	":-)", ":)", ":-(", ":(", ":-d", ":d", ";-)", ";)", ":-p", ":p", ":'(", ":/", ":-/",
	"=)", "=(", "(:", "):", "<3", "</3", "xd", ":o", ":-o", ";d", ":|", "-_-", "^_^", ":*", ":3",
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '\'' || c == '_'
}

// wordRune: letters, digits and marks of any script are word characters.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// ignoredRune: variation selectors, joiners and skin tones carry nothing.
func ignoredRune(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || r == 0x200B || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// featureNegators start a negation's scope, as do words ending in "n't".
var featureNegators = []string{
	"not", "no", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor", "cannot",
	"without", "dont", "cant", "wont", "isnt", "arent", "wasnt", "werent", "didnt", "doesnt",
	"couldnt", "shouldnt", "wouldnt", "aint", "havent", "hasnt", "hadnt", "mustnt", "neednt", "nope",
}

// featureTokens splits text into normalized tokens: lower-cased words with
// runs of one letter squeezed to two ("sooooo" → "soo"), URLs and user
// names folded into one token each, emoticons, emoji and punctuation runs.
// It marks the words between a negator and the next clause punctuation as
// negated. It reports whether a word was elongated or in capitals.
func (a *Analyzer) featureTokens(s *featScratch, text []byte) (elongated, caps bool) {
	s.buf = s.buf[:0]
	s.toks = s.toks[:0]
	negating := false
	for i := 0; i < len(text); {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := len(s.buf)
		add := func(k tokKind) {
			t := ftok{lo: int32(start), hi: int32(len(s.buf)), kind: k}
			if k == tokWord {
				t.negated = negating
			}
			s.toks = append(s.toks, t)
		}
		if hasPrefixFold(text[i:], "http://") || hasPrefixFold(text[i:], "https://") || hasPrefixFold(text[i:], "www.") {
			for i < len(text) && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' {
				i++
			}
			s.buf = append(s.buf, "<url>"...)
			add(tokURL)
			continue
		}
		if c == '@' && i+1 < len(text) && isWordByte(text[i+1]) {
			i++
			for i < len(text) && isWordByte(text[i]) {
				i++
			}
			s.buf = append(s.buf, "<user>"...)
			add(tokUser)
			continue
		}
		if e := matchEmoticon(text[i:]); e != "" {
			i += len(e)
			s.buf = append(s.buf, e...)
			add(tokEmoticon)
			continue
		}
		hashtag := false
		if c == '#' && i+1 < len(text) && (isWordByte(text[i+1]) || text[i+1] >= utf8.RuneSelf) {
			hashtag = true
			i++
			c = text[i]
		}
		if c >= utf8.RuneSelf || isWordByte(c) {
			r, size := rune(c), 1
			if c >= utf8.RuneSelf {
				r, size = utf8.DecodeRune(text[i:])
			}
			if c >= utf8.RuneSelf && !wordRune(r) && r != '’' {
				i += size
				if ignoredRune(r) || unicode.IsSpace(r) {
					continue
				}
				if unicode.IsPunct(r) {
					if r == '…' {
						s.buf = append(s.buf, "..."...)
						add(tokPunct)
						negating = false
					}
					continue
				}
				s.buf = utf8.AppendRune(s.buf, r)
				add(tokEmoji)
				continue
			}
			upper, lower, digits, letters := 0, 0, 0, 0
			var last rune = -1
			run := 0
			for i < len(text) {
				c := text[i]
				r, size := rune(c), 1
				if c >= utf8.RuneSelf {
					r, size = utf8.DecodeRune(text[i:])
					if r == '’' {
						r = '\''
					} else if !wordRune(r) {
						break
					}
				} else if !isWordByte(c) {
					break
				}
				i += size
				switch {
				case r >= 'A' && r <= 'Z':
					upper++
					letters++
					r += 'a' - 'A'
				case r >= 'a' && r <= 'z':
					lower++
					letters++
				case r >= '0' && r <= '9':
					digits++
				default:
					if unicode.IsUpper(r) {
						upper++
						r = unicode.ToLower(r)
					} else if unicode.IsLetter(r) {
						lower++
					}
					letters++
				}
				if r == last {
					run++
					if run > 2 {
						elongated = true
						continue
					}
				} else {
					last, run = r, 1
				}
				s.buf = utf8.AppendRune(s.buf, r)
			}
			if upper >= 3 && lower == 0 {
				caps = true
			}
			w := s.buf[start:]
			switch {
			case hashtag:
				add(tokHashtag)
				s.toks[len(s.toks)-1].valence, _ = a.lexicon(w)
			case letters == 0 && digits > 0:
				s.buf = append(s.buf[:start], '0')
				add(tokNum)
			default:
				add(tokWord)
				v, neg := a.lexicon(w)
				s.toks[len(s.toks)-1].valence = v
				if neg {
					negating = true
				}
			}
			continue
		}
		// ASCII punctuation run, squeezed: "!!!!" → "!!", "?!?!" → "?!".
		boundary := false
		for i < len(text) {
			c := text[i]
			if c >= utf8.RuneSelf || isWordByte(c) || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			if (c == '@' || c == '#') && len(s.buf) > start {
				break
			}
			i++
			switch c {
			case '.', ',', ':', ';', '!', '?':
				boundary = true
			}
			n := len(s.buf) - start
			if n >= 3 || n >= 2 && s.buf[len(s.buf)-1] == c && s.buf[len(s.buf)-2] == c {
				continue
			}
			s.buf = append(s.buf, c)
		}
		if len(s.buf) > start {
			add(tokPunct)
		}
		if boundary {
			negating = false
		}
	}
	return elongated, caps
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// matchEmoticon returns the emoticon text begins with, if it is followed
// by a space, the end or punctuation.
func matchEmoticon(text []byte) string {
	c := text[0]
	if c != ':' && c != ';' && c != '=' && c != '(' && c != ')' && c != '<' && c != 'x' && c != 'X' && c != '-' && c != '^' {
		return ""
	}
	for _, e := range emoticons {
		if !hasPrefixFold(text, e) {
			continue
		}
		if n := len(e); n < len(text) && isWordByte(text[n]) {
			continue
		}
		if e == "xd" && len(text) > 2 && text[1] != 'D' {
			continue // "xd" only as "XD"/"xD"
		}
		return e
	}
	return ""
}

// features fills s.idx with the hashed feature buckets of text and s.dense
// with the dense features; compound is VADER's score of the same text.
func (a *Analyzer) features(s *featScratch, cfg FeatureConfig, text []byte, compound float64) {
	elongated, caps := a.featureTokens(s, text)
	mask := uint32(1)<<cfg.Bits - 1
	s.idx = s.idx[:0]
	var lexPos, lexNeg, lastLex float64
	prev := uint32(0x811c9dc5) // the start of the text, for the first bigram
	prev2 := prev
	for _, t := range s.toks {
		w := s.buf[t.lo:t.hi]
		seed := seedUnigram
		if t.negated {
			seed = seedNegated
		}
		h := fnv1a(seed^uint32(t.kind), w)
		s.idx = append(s.idx, mix(h)&mask)
		s.idx = append(s.idx, mix(seedBigram^prev*31^h)&mask)
		if cfg.Flags&FlagTrigrams != 0 {
			s.idx = append(s.idx, mix(seedTrigram^(prev2*31^prev)*31^h)&mask)
		}
		if cfg.Flags&FlagSkipBigrams != 0 {
			s.idx = append(s.idx, mix(seedSkip^prev2*31^h)&mask)
		}
		prev2, prev = prev, h
		switch t.kind {
		case tokHashtag:
			s.idx = append(s.idx, mix(fnv1a(seedUnigram^uint32(tokWord), w))&mask)
			fallthrough
		case tokWord:
			if v := t.valence; v != 0 {
				if t.negated {
					v *= negationScalar
				}
				if v > 0 {
					lexPos += v
				} else {
					lexNeg += v
				}
				lastLex = v
			}
			if cfg.CharMax > 0 {
				s.idx = appendCharGrams(s.idx, w, cfg, mask)
			}
		}
	}
	s.idx = append(s.idx, mix(seedBigram^prev*31^0x2f)&mask) // the end of the text
	d := &s.dense
	*d = [NumDense]float64{}
	d[denseCompound] = compound
	if compound >= 0.05 {
		d[densePositive] = 1
	} else if compound <= -0.05 {
		d[denseNegative] = 1
	}
	d[denseLexPos] = lexPos / 4
	d[denseLexNeg] = lexNeg / 4
	d[denseLastLex] = lastLex / 4
	for _, t := range s.toks {
		if t.kind != tokPunct {
			continue
		}
		for _, c := range s.buf[t.lo:t.hi] {
			if c == '!' {
				d[denseExclaim] = 1
			} else if c == '?' {
				d[denseQuestion] = 1
			}
		}
	}
	if elongated {
		d[denseElongated] = 1
	}
	if caps {
		d[denseAllCaps] = 1
	}
	d[denseBias] = 1
}

// appendCharGrams appends the character n-grams of "<word>". The n-grams
// starting at one byte share a running FNV-1a hash, each length adding
// one byte to the shorter one's.
func appendCharGrams(idx []uint32, w []byte, cfg FeatureConfig, mask uint32) []uint32 {
	var buf [64]byte
	if len(w)+2 > len(buf) {
		w = w[:len(buf)-2]
	}
	buf[0] = '<'
	n := 1 + copy(buf[1:], w)
	buf[n] = '>'
	n++
	lo, hi := int(cfg.CharMin), int(cfg.CharMax)
	for i := 0; i+lo <= n; i++ {
		h := seedChar
		for j := i; j < n && j-i < hi; j++ {
			h ^= uint32(buf[j])
			h *= 16777619
			if size := j - i + 1; size >= lo && !(size == n && size <= 3) {
				idx = append(idx, mix(h)&mask) // "<a>" and shorter: the unigram says it
			}
		}
	}
	return idx
}

// lexicon returns the VADER lexicon valence of a lower-case word (0 when it
// has none) and whether it negates what follows, in one lookup.
func (a *Analyzer) lexicon(w []byte) (valence float64, negator bool) {
	e, ok := a.words[string(w)]
	if ok {
		negator = e.flags&featureNegator != 0
		if e.flags&inLexicon != 0 {
			valence = e.valence
		}
	}
	if n := len(w); !negator && n > 3 && w[n-3] == 'n' && w[n-2] == '\'' && w[n-1] == 't' {
		negator = true
	}
	return valence, negator
}

// hashedValue is the value of each hashed feature: the hashed part of a
// text's vector has unit length, whatever the text's length.
func hashedValue(n int) float64 {
	if n == 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(n))
}
