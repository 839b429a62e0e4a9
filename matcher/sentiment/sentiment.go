package sentiment

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"
)

// VADER's empirically derived constants, as govader's constants.go has
// them.
const (
	capIncrement       = 0.733 // an ALL-CAPS word among others
	negationScalar     = -0.74
	normalizeAlpha     = 15
	boosterScale1      = 0.95 // booster two words before
	boosterScale2      = 0.9  // booster three words before
	exclaimScale       = 0.292
	questionScale      = 0.18
	maxExclaims        = 4
	maxQuestionEmph    = 0.96
	neverSoScale       = 1.25 // "never so good"
	butScale           = 0.5
	negativeContracted = "n't"
)

// wordKind marks the words VADER's rules compare tokens with.
type wordKind uint8

const (
	kindOther wordKind = iota
	kindNo
	kindOrNor
	kindNever
	kindSoThis
	kindWithout
	kindDoubt
	kindKind
	kindOf
	kindBut
	kindLeast
	kindAtVery
)

const (
	inLexicon uint8 = 1 << iota
	isBooster
	isNegation
	// inPhrase: the word is part of a multi-word idiom or booster, so an
	// n-gram of such words is worth looking up.
	inPhrase
	// featureNegator: the learned model's features mark the words after
	// this one as negated (features.go); VADER's rules ignore the flag.
	featureNegator
)

// word is everything the rules need to know about one lower-case token; one
// map lookup fetches it.
type word struct {
	valence float64 // lexicon valence
	boost   float64 // booster increment (positive) or dampener (negative)
	flags   uint8
	kind    wordKind
}

// Analyzer computes VADER compound scores. It is read-only once built and
// safe for concurrent use.
type Analyzer struct {
	words      map[string]word
	emoji      map[rune]string
	asciiEmoji [utf8.RuneSelf]string
	punct      [utf8.RuneSelf]bool // stripped from both ends of a token
	// idioms are the special-case idioms ("the shit", "yeah right"…);
	// boosters the booster dictionary, looked up again for its multi-word
	// entries ("kind of", "sort of"…). maxPhrase is their longest key: a
	// joined n-gram longer than that cannot match, so it is not looked up.
	idioms    map[string]float64
	boosters  map[string]float64
	maxPhrase int
	pool      sync.Pool
}

// New builds an Analyzer from govader's own tables: its lexicon and emoji
// descriptions (embedded in that module), booster dictionary, negation list
// and special-case idioms. It takes a few milliseconds; build one per
// process.
func New() *Analyzer {
	g := govader.NewSentimentIntensityAnalyzer()
	tc := g.Constants
	a := &Analyzer{
		words:    make(map[string]word, len(g.Lexicon)+len(tc.BoosterDict)+len(tc.NegateList)),
		emoji:    map[rune]string{},
		idioms:   tc.SpecialCaseIdioms,
		boosters: tc.BoosterDict,
	}
	for w, v := range g.Lexicon {
		e := a.words[w]
		e.valence = v
		e.flags |= inLexicon
		a.words[w] = e
	}
	for w, v := range tc.BoosterDict {
		e := a.words[w]
		e.boost = v
		e.flags |= isBooster
		a.words[w] = e
		a.maxPhrase = max(a.maxPhrase, len(w))
	}
	for w := range tc.SpecialCaseIdioms {
		a.maxPhrase = max(a.maxPhrase, len(w))
	}
	// Only keys with a space can equal tokens joined by spaces.
	for _, m := range []map[string]float64{tc.SpecialCaseIdioms, tc.BoosterDict} {
		for k := range m {
			if !strings.Contains(k, " ") {
				continue
			}
			for _, part := range strings.Split(k, " ") {
				e := a.words[part]
				e.flags |= inPhrase
				a.words[part] = e
			}
		}
	}
	for _, w := range tc.NegateList {
		e := a.words[w]
		e.flags |= isNegation
		a.words[w] = e
	}
	for _, w := range featureNegators {
		e := a.words[w]
		e.flags |= featureNegator
		a.words[w] = e
	}
	for w, k := range map[string]wordKind{
		"no": kindNo, "or": kindOrNor, "nor": kindOrNor, "never": kindNever, "so": kindSoThis,
		"this": kindSoThis, "without": kindWithout, "doubt": kindDoubt, "kind": kindKind, "of": kindOf,
		"but": kindBut, "least": kindLeast, "at": kindAtVery, "very": kindAtVery,
	} {
		e := a.words[w]
		e.kind = k
		a.words[w] = e
	}
	// govader replaces emoji rune by rune, so only single-rune entries can
	// ever apply.
	for k, d := range g.EmojiDict {
		r, n := utf8.DecodeRuneInString(k)
		if n != len(k) || n == 0 {
			continue
		}
		if r < utf8.RuneSelf {
			a.asciiEmoji[r] = d
		} else {
			a.emoji[r] = d
		}
	}
	for _, c := range []byte(tc.Regex.PunctuationString) {
		if c >= utf8.RuneSelf {
			panic("sentiment: non-ASCII punctuation in govader's table")
		}
		a.punct[c] = true
	}
	a.pool.New = func() any { return &scratch{} }
	return a
}

// token is one space-separated item of the text, stripped of surrounding
// punctuation.
type token struct {
	orig, lower []byte
	lo, hi      int32 // lower's span in scratch.lower, when lowered
	lowered     bool
	sameCase    bool // orig == lower
	upper       bool // ALL CAPS: an ASCII capital and no ASCII small letter
	origLex     int8 // orig itself is a lexicon entry: 1 yes, -1 no, 0 not looked up yet
	w           word // of lower; zero when unknown
	v           float64
}

type scratch struct {
	text   []byte
	lower  []byte
	toks   []token
	phrase []byte
}

// Compound returns VADER's normalized, weighted composite score of text, in
// [-1, 1]: govader's PolarityScores(text).Compound.
func (a *Analyzer) Compound(text string) float64 {
	s := a.pool.Get().(*scratch)
	s.text = appendReplacingEmoji(a, s.text[:0], text)
	c := a.compound(s)
	a.pool.Put(s)
	return c
}

// CompoundBytes is Compound of a byte slice, which it does not retain.
func (a *Analyzer) CompoundBytes(text []byte) float64 {
	s := a.pool.Get().(*scratch)
	s.text = appendReplacingEmoji(a, s.text[:0], text)
	c := a.compound(s)
	a.pool.Put(s)
	return c
}

// appendReplacingEmoji copies src to dst with each emoji rune replaced by
// its description, spaced as govader does (a space before it unless one
// precedes, none after), and each invalid UTF-8 byte by U+FFFD, as Go's
// range over a string yields it.
func appendReplacingEmoji[T string | []byte](a *Analyzer, dst []byte, src T) []byte {
	prevSpace := true
	for i := 0; i < len(src); {
		if start := i; src[i] < utf8.RuneSelf && a.asciiEmoji[src[i]] == "" {
			for i < len(src) && src[i] < utf8.RuneSelf && a.asciiEmoji[src[i]] == "" {
				i++
			}
			dst = append(dst, src[start:i]...)
			prevSpace = src[i-1] == ' '
			continue
		}
		c := src[i]
		if c < utf8.RuneSelf {
			i++
			if d := a.asciiEmoji[c]; d != "" {
				if !prevSpace {
					dst = append(dst, ' ')
				}
				dst = append(dst, d...)
				prevSpace = false
				continue
			}
			dst = append(dst, c)
			prevSpace = c == ' '
			continue
		}
		var buf [utf8.UTFMax]byte
		n := 0
		for n < len(buf) && i+n < len(src) {
			buf[n] = src[i+n]
			n++
		}
		r, size := utf8.DecodeRune(buf[:n])
		i += size
		if d, ok := a.emoji[r]; ok {
			if !prevSpace {
				dst = append(dst, ' ')
			}
			dst = append(dst, d...)
		} else {
			dst = utf8.AppendRune(dst, r)
		}
		prevSpace = false
	}
	return dst
}

func (a *Analyzer) compound(s *scratch) float64 {
	text := bytes.TrimSpace(s.text)
	a.tokenize(s, text)
	toks := s.toks
	capDiff := false
	if n := a.countUpper(toks); n > 0 && n < len(toks) {
		capDiff = true
	}

	for i := range toks {
		t := &toks[i]
		switch {
		case t.w.flags&isBooster != 0:
			t.v = 0
		case i < len(toks)-1 && t.w.kind == kindKind && toks[i+1].w.kind == kindOf:
			t.v = 0
		case t.w.flags&inLexicon == 0:
			t.v = 0
		default:
			t.v = a.valence(s, toks, i, capDiff)
		}
	}

	// "but" shifts the weight to what follows it.
	for bi := range toks {
		if toks[bi].w.kind != kindBut {
			continue
		}
		for i := range toks {
			if i < bi {
				toks[i].v = (1 - butScale) * toks[i].v
			}
			if i > bi {
				toks[i].v = (1 + butScale) * toks[i].v
			}
		}
		break
	}

	sum := 0.0
	for i := range toks {
		sum += toks[i].v
	}
	emph := punctuationEmphasis(text)
	if sum > 0 {
		sum += emph
	} else if sum < 0 {
		sum -= emph
	}
	c := sum / math.Sqrt(sum*sum+normalizeAlpha)
	return max(-1, min(1, c))
}

func punctuationEmphasis(text []byte) float64 {
	ep := float64(min(bytes.Count(text, []byte("!")), maxExclaims)) * exclaimScale
	qm := 0.0
	if n := bytes.Count(text, []byte("?")); n > 1 {
		qm = maxQuestionEmph
		if n <= 3 {
			qm = float64(n) * questionScale
		}
	}
	return ep + qm
}

// tokenize splits text on single spaces (so "a  b" has an empty token, as
// in govader), strips punctuation from both ends of each token unless that
// leaves fewer than 3 bytes, lower-cases it and looks it up.
func (a *Analyzer) tokenize(s *scratch, text []byte) {
	s.toks = s.toks[:0]
	s.lower = s.lower[:0]
	for rest, more := text, true; more; {
		var tok []byte
		if j := bytes.IndexByte(rest, ' '); j >= 0 {
			tok, rest = rest[:j], rest[j+1:]
		} else {
			tok, more = rest, false
		}
		lo, hi := 0, len(tok)
		for lo < hi && tok[lo] < utf8.RuneSelf && a.punct[tok[lo]] {
			lo++
		}
		for hi > lo && tok[hi-1] < utf8.RuneSelf && a.punct[tok[hi-1]] {
			hi--
		}
		if hi-lo >= 3 {
			tok = tok[lo:hi]
		}
		s.toks = append(s.toks, token{orig: tok})
		a.caseToken(s, &s.toks[len(s.toks)-1])
	}
	for i := range s.toks {
		t := &s.toks[i]
		if t.lowered {
			t.lower = s.lower[t.lo:t.hi]
			t.sameCase = bytes.Equal(t.orig, t.lower)
		}
		t.w = a.words[string(t.lower)]
	}
}

// origInLexicon reports whether the token as written is a lexicon entry,
// which govader checks for the words before a sentiment word.
func (a *Analyzer) origInLexicon(t *token) bool {
	if t.origLex == 0 {
		w := t.w
		if !t.sameCase {
			w = a.words[string(t.orig)]
		}
		t.origLex = -1
		if w.flags&inLexicon != 0 {
			t.origLex = 1
		}
	}
	return t.origLex > 0
}

// caseToken fills a token's case: lower-casing like strings.ToLower (into
// s.lower when it changes anything) and govader's ALL-CAPS test.
func (a *Analyzer) caseToken(s *scratch, t *token) {
	orig := t.orig
	var cls uint8
	for _, c := range orig {
		cls |= byteClass[c]
	}
	ascii, hasUpper := cls&classNonASCII == 0, cls&classUpper != 0
	t.upper = hasUpper && cls&classLower == 0
	if ascii && !hasUpper {
		t.lower, t.sameCase = orig, true
		return
	}
	t.lowered = true
	t.lo = int32(len(s.lower))
	if ascii {
		for _, c := range orig {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			s.lower = append(s.lower, c)
		}
	} else {
		for _, r := range string(orig) {
			s.lower = utf8.AppendRune(s.lower, unicode.ToLower(r))
		}
	}
	t.hi = int32(len(s.lower))
}

const (
	classUpper uint8 = 1 << iota
	classLower
	classNonASCII
)

// byteClass classifies bytes for caseToken.
var byteClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = classUpper
		t[c+'a'-'A'] = classLower
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = classNonASCII
	}
	return t
}()

func (a *Analyzer) countUpper(toks []token) int {
	n := 0
	for i := range toks {
		if toks[i].upper {
			n++
		}
	}
	return n
}

// valence is the valence of lexicon word toks[i] in its context: govader's
// sentimentValence.
func (a *Analyzer) valence(s *scratch, toks []token, i int, capDiff bool) float64 {
	t := &toks[i]
	v := t.w.valence
	if t.w.kind == kindNo && i+1 < len(toks) && toks[i+1].w.flags&inLexicon != 0 {
		v = 0 // "no" before another sentiment word only negates it
	}
	if (i > 0 && toks[i-1].w.kind == kindNo) ||
		(i > 1 && toks[i-2].w.kind == kindNo) ||
		(i > 2 && toks[i-3].w.kind == kindNo && toks[i-1].w.kind == kindOrNor) {
		v = t.w.valence * negationScalar
	}
	if t.upper && capDiff {
		if v > 0 {
			v += capIncrement
		} else {
			v -= capIncrement
		}
	}
	for back := 0; back < 3; back++ {
		j := i - (back + 1)
		// govader checks the lexicon with the word as written here.
		if j < 0 || a.origInLexicon(&toks[j]) {
			continue
		}
		inc := 0.0
		if p := &toks[j]; p.w.flags&isBooster != 0 {
			inc = p.w.boost
			if v < 0 {
				inc *= -1
			}
			if p.upper && capDiff {
				if v > 0 {
					inc += capIncrement
				} else {
					inc -= capIncrement
				}
			}
		}
		if back == 1 && inc != 0 {
			inc *= boosterScale1
		}
		if back == 2 && inc != 0 {
			inc *= boosterScale2
		}
		v += inc
		v = negation(toks, back, i, v)
		if back == 2 {
			v = a.specialIdioms(s, toks, i, v)
		}
	}
	return a.least(toks, i, v)
}

func negated(t *token) bool {
	return t.w.flags&isNegation != 0 || bytes.Contains(t.lower, []byte(negativeContracted))
}

// negation is govader's negationCheck.
func negation(toks []token, back, i int, v float64) float64 {
	soThis := func(j int) bool { return toks[j].w.kind == kindSoThis }
	switch back {
	case 0:
		if negated(&toks[i-1]) {
			return v * negationScalar
		}
	case 1:
		switch {
		case toks[i-2].w.kind == kindNever && soThis(i-1):
			return v * neverSoScale
		case toks[i-2].w.kind == kindWithout && toks[i-1].w.kind == kindDoubt:
			return v
		case negated(&toks[i-2]):
			return v * negationScalar
		}
	case 2:
		switch {
		case toks[i-3].w.kind == kindNever && (soThis(i-2) || soThis(i-1)):
			return v * neverSoScale
		case toks[i-3].w.kind == kindWithout && (toks[i-2].w.kind == kindDoubt || toks[i-1].w.kind == kindDoubt):
			return v
		case negated(&toks[i-3]):
			return v * negationScalar
		}
	}
	return v
}

// specialIdioms is govader's specialIdiomsCheck (i ≥ 3).
func (a *Analyzer) specialIdioms(s *scratch, toks []token, i int, v float64) float64 {
	for _, r := range [...][2]int{{i - 1, i}, {i - 2, i}, {i - 2, i - 1}, {i - 3, i - 1}, {i - 3, i - 2}} {
		if x, ok := a.phrase(s, a.idioms, toks[r[0]:r[1]+1]); ok {
			v = x
			break
		}
	}
	if len(toks)-1 > i {
		if x, ok := a.phrase(s, a.idioms, toks[i:i+2]); ok {
			v = x
		}
	}
	if len(toks)-1 > i+1 {
		if x, ok := a.phrase(s, a.idioms, toks[i:i+3]); ok {
			v = x
		}
	}
	for _, r := range [...][2]int{{i - 3, i - 1}, {i - 3, i - 2}, {i - 2, i - 1}} {
		if x, ok := a.phrase(s, a.boosters, toks[r[0]:r[1]+1]); ok {
			v += x
		}
	}
	return v
}

// phrase looks up the lower-case tokens joined by single spaces.
func (a *Analyzer) phrase(s *scratch, m map[string]float64, toks []token) (float64, bool) {
	n := len(toks) - 1
	for i := range toks {
		if toks[i].w.flags&inPhrase == 0 {
			return 0, false
		}
		n += len(toks[i].lower)
	}
	if n > a.maxPhrase {
		return 0, false
	}
	s.phrase = s.phrase[:0]
	for i := range toks {
		if i > 0 {
			s.phrase = append(s.phrase, ' ')
		}
		s.phrase = append(s.phrase, toks[i].lower...)
	}
	x, ok := m[string(s.phrase)]
	return x, ok
}

// least is govader's leastCheck, which compares the words as written.
func (a *Analyzer) least(toks []token, i int, v float64) float64 {
	isLeast := func(j int) bool {
		return toks[j].sameCase && toks[j].w.kind == kindLeast && !a.origInLexicon(&toks[j])
	}
	if i > 1 && isLeast(i-1) {
		if !(toks[i-2].sameCase && toks[i-2].w.kind == kindAtVery) {
			v *= negationScalar
		}
	} else if i > 0 && isLeast(i-1) {
		v *= negationScalar
	}
	return v
}
