package matcher

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/models"
)

// Focus defaults.
const (
	DefaultMinScore           = 0.5
	DefaultSentimentThreshold = 0.05 // VADER's own cut-off for a non-neutral compound score
	DefaultCrisisWindow       = time.Hour
	DefaultCrisisFactor       = 3.0
	DefaultCrisisMinPosts     = 10
)

type termKind uint8

const (
	kindQuery termKind = iota
	kindKeyword
	kindBrand
	kindExclude
)

// termSpec is one distinct content pattern of a compiled manager.
type termSpec struct {
	pattern string // " w1 w2 " or " w1 pre"
	display string // as the user wrote it
	kind    termKind
	negated bool  // appears only under NOT / in excludes
	mask    uint8 // fields in which it counts (union over its uses)
}

type nodeOp uint8

const (
	opTerm nodeOp = iota
	opField
	opAnd
	opOr
	opNot
)

type cnode struct {
	op     nodeOp
	term   int   // opTerm: index into compiled.terms
	mask   uint8 // opTerm: fieldTitle|fieldText
	field  query.Field
	value  string // opField
	prefix bool
	kids   []*cnode
}

const (
	fieldTitle uint8 = 1
	fieldText  uint8 = 2
)

// compiled is a manager made ready to evaluate posts.
type compiled struct {
	mgr      *models.Manager
	kind     *focusKind
	focus    models.Focus // with defaults filled in
	minScore float64
	terms    []termSpec
	root     *cnode // nil matches every post
	// prog is root in postfix order, for match; fields holds its field
	// filters.
	prog   []instr
	fields []*cnode
	// cover lists terms of which every matching post contains at least one;
	// coverAll means no such list exists (e.g. a query of field filters), so
	// the manager is a candidate for every post.
	cover    []int
	coverAll bool
	domains  []string // hosts of input.urls, for MENTIONS link detection
}

// compileManager compiles mgr; siteNames are extra brand names learnt from
// its input.urls pages.
func compileManager(mgr *models.Manager, siteNames []string) (*compiled, error) {
	c := &compiled{mgr: mgr, focus: mgr.Input.Focus}
	var errs fieldErrors
	c.kind, errs = checkFocus(&c.focus)
	c.minScore = DefaultMinScore
	if c.focus.MinScore != nil {
		c.minScore = *c.focus.MinScore
	}
	index := map[string]int{}
	addTerm := func(t *query.Term, kind termKind, negated bool) int {
		p := t.Pattern()
		if i, ok := index[p]; ok {
			switch t.Field {
			case query.FieldTitle:
				c.terms[i].mask |= fieldTitle
			case query.FieldText:
				c.terms[i].mask |= fieldText
			default:
				c.terms[i].mask = fieldTitle | fieldText
			}
			if !negated {
				c.terms[i].negated = false
			}
			if kind == kindBrand || kind == kindKeyword {
				c.terms[i].kind = kind
			}
			return i
		}
		index[p] = len(c.terms)
		c.terms = append(c.terms, termSpec{pattern: p, display: t.Raw, kind: kind, negated: negated, mask: fieldTitle | fieldText})
		if t.Field == query.FieldTitle {
			c.terms[len(c.terms)-1].mask = fieldTitle
		} else if t.Field == query.FieldText {
			c.terms[len(c.terms)-1].mask = fieldText
		}
		return len(c.terms) - 1
	}

	var parts []*cnode
	if q := strings.TrimSpace(mgr.Input.Query); q != "" {
		if n, err := query.Parse(q); err != nil {
			errs.add("input.query", err.Error())
		} else {
			parts = append(parts, c.lower(n, addTerm, false))
		}
	}
	var subject []*cnode
	for i, k := range mgr.Input.Keywords {
		t, err := query.Literal(k)
		if err != nil {
			errs.add(indexPath("input.keywords", i), literalProblem(err))
			continue
		}
		subject = append(subject, &cnode{op: opTerm, term: addTerm(t, kindKeyword, false), mask: fieldTitle | fieldText})
	}
	brands := map[string]bool{}
	addBrand := func(name string) {
		t, err := query.Literal(name)
		if err != nil || brands[t.Pattern()] {
			return
		}
		brands[t.Pattern()] = true
		subject = append(subject, &cnode{op: opTerm, term: addTerm(t, kindBrand, false), mask: fieldTitle | fieldText})
	}
	for _, u := range mgr.Input.URLs {
		host, brand := models.SiteBrand(u)
		if host == "" {
			continue
		}
		c.domains = append(c.domains, host)
		if len([]rune(brand)) >= 3 { // "x" of x.com would match every stray x
			addBrand(brand)
		}
		addBrand(host) // "mycompany.com" written out, as in a link
	}
	for _, n := range siteNames {
		addBrand(n)
	}
	if len(subject) == 1 {
		parts = append(parts, subject[0])
	} else if len(subject) > 1 {
		parts = append(parts, &cnode{op: opOr, kids: subject})
	}
	var excl []*cnode
	for i, k := range mgr.Input.Excludes {
		t, err := query.Literal(k)
		if err != nil {
			errs.add(indexPath("input.excludes", i), literalProblem(err))
			continue
		}
		excl = append(excl, &cnode{op: opTerm, term: addTerm(t, kindExclude, true), mask: fieldTitle | fieldText})
	}
	if len(excl) > 0 {
		parts = append(parts, &cnode{op: opNot, kids: []*cnode{{op: opOr, kids: excl}}})
	}
	if len(errs) > 0 {
		return nil, CompileError(errs)
	}
	switch len(parts) {
	case 0:
		c.coverAll = true
	case 1:
		c.root = parts[0]
	default:
		c.root = &cnode{op: opAnd, kids: parts}
	}
	if c.root != nil {
		c.cover, c.coverAll = cover(c.root)
		c.prog = c.flatten(c.root, make([]instr, 0, c.root.size()))
	}
	return c, nil
}

func (c *compiled) lower(n query.Node, addTerm func(*query.Term, termKind, bool) int, negated bool) *cnode {
	switch n := n.(type) {
	case *query.And:
		out := &cnode{op: opAnd}
		for _, k := range n.Children {
			out.kids = append(out.kids, c.lower(k, addTerm, negated))
		}
		return out
	case *query.Or:
		out := &cnode{op: opOr}
		for _, k := range n.Children {
			out.kids = append(out.kids, c.lower(k, addTerm, negated))
		}
		return out
	case *query.Not:
		return &cnode{op: opNot, kids: []*cnode{c.lower(n.Child, addTerm, !negated)}}
	case *query.Term:
		if !n.Field.IsContent() {
			return &cnode{op: opField, field: n.Field, value: n.Words[0], prefix: n.Prefix}
		}
		mask := fieldTitle | fieldText
		switch n.Field {
		case query.FieldTitle:
			mask = fieldTitle
		case query.FieldText:
			mask = fieldText
		}
		return &cnode{op: opTerm, term: addTerm(n, kindQuery, negated), mask: mask}
	}
	panic("matcher: unknown query node")
}

// cover returns terms of which any post matching n contains one, or all=true
// when n can match a post containing none of its terms.
func cover(n *cnode) (terms []int, all bool) {
	switch n.op {
	case opTerm:
		return []int{n.term}, false
	case opField, opNot:
		return nil, true
	case opOr:
		var out []int
		for _, k := range n.kids {
			t, all := cover(k)
			if all {
				return nil, true
			}
			out = append(out, t...)
		}
		return out, false
	case opAnd:
		var best []int
		found := false
		for _, k := range n.kids {
			t, all := cover(k)
			if !all && (!found || len(t) < len(best)) {
				best, found = t, true
			}
		}
		return best, !found
	}
	return nil, true
}

// instr is one step of a compiled expression in postfix order. The steps
// of a manager sit in one slice, so evaluating a candidate reads a cache
// line or two instead of a tree of nodes scattered over the heap (MatchIndex
// evaluates thousands of managers a second, each cold in the cache).
type instr struct {
	op   nodeOp
	mask uint8 // opTerm
	arg  int32 // opTerm: term; opField: index into fields; opAnd, opOr: operand count
}

func (n *cnode) size() int {
	s := 1
	for _, k := range n.kids {
		s += k.size()
	}
	return s
}

func (c *compiled) flatten(n *cnode, prog []instr) []instr {
	switch n.op {
	case opTerm:
		return append(prog, instr{op: opTerm, mask: n.mask, arg: int32(n.term)})
	case opField:
		c.fields = append(c.fields, n)
		return append(prog, instr{op: opField, arg: int32(len(c.fields) - 1)})
	}
	for _, k := range n.kids {
		prog = c.flatten(k, prog)
	}
	return append(prog, instr{op: n.op, arg: int32(len(n.kids))})
}

// match reports whether the compiled expression holds for a post whose term
// hits are given (hits[i]: fieldTitle|fieldText bits of terms[i]).
func (c *compiled) match(hits []uint8, post *models.Post) bool {
	if c.root == nil {
		return true
	}
	var buf [32]bool
	stack := buf[:0]
	for _, in := range c.prog {
		switch in.op {
		case opTerm:
			stack = append(stack, hits[in.arg]&in.mask != 0)
		case opField:
			stack = append(stack, fieldMatches(c.fields[in.arg], post))
		case opNot:
			stack[len(stack)-1] = !stack[len(stack)-1]
		case opAnd, opOr:
			k := len(stack) - int(in.arg)
			v := in.op == opAnd
			for _, x := range stack[k:] {
				if x != v {
					v = !v
					break
				}
			}
			stack = append(stack[:k], v)
		}
	}
	return stack[0]
}

// usesLang reports whether the query filters on lang:.
func (c *compiled) usesLang() bool {
	for _, f := range c.fields {
		if f.field == query.FieldLang {
			return true
		}
	}
	return false
}

// needsLang reports whether the post's language decides the query: it
// evaluates the query in three-valued logic with every lang: filter
// unknown, so a post whose terms already settle it (most posts, as lang:
// is ANDed with terms) is never sent to language detection.
func (c *compiled) needsLang(hits []uint8, post *models.Post) bool {
	const (
		no = iota
		yes
		unknown
	)
	var buf [32]uint8
	stack := buf[:0]
	for _, in := range c.prog {
		switch in.op {
		case opTerm:
			stack = append(stack, b2v(hits[in.arg]&in.mask != 0))
		case opField:
			if c.fields[in.arg].field == query.FieldLang {
				stack = append(stack, unknown)
			} else {
				stack = append(stack, b2v(fieldMatches(c.fields[in.arg], post)))
			}
		case opNot:
			if v := stack[len(stack)-1]; v != unknown {
				stack[len(stack)-1] = 1 - v
			}
		case opAnd, opOr:
			k := len(stack) - int(in.arg)
			decisive := uint8(no) // any false decides an AND
			if in.op == opOr {
				decisive = yes
			}
			v := 1 - decisive
			for _, x := range stack[k:] {
				if x == decisive {
					v = decisive
					break
				}
				if x == unknown {
					v = unknown
				}
			}
			stack = append(stack[:k], v)
		}
	}
	return len(stack) > 0 && stack[0] == unknown
}

func b2v(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func fieldMatches(n *cnode, post *models.Post) bool {
	var v string
	switch n.field {
	case query.FieldAuthor:
		v = post.User.Name
	case query.FieldSubreddit:
		if post.Subreddit != nil {
			v = post.Subreddit.Name
		}
	case query.FieldLang:
		v = post.Lang
		if !n.prefix && len(v) > len(n.value) && (v[len(n.value)] == '-' || v[len(n.value)] == '_') {
			v = v[:len(n.value)] // lang:en matches en-US
		}
	case query.FieldType:
		v = post.Type
	}
	v = strings.ToLower(v)
	if n.prefix {
		return strings.HasPrefix(v, n.value)
	}
	return v == n.value
}

// termHits fills hits for the compiled terms by searching the normalized post.
func (c *compiled) termHits(d *doc, hits []uint8) []uint8 {
	hits = hits[:0]
	title, text := d.title(), d.text()
	for i := range c.terms {
		p := c.terms[i].pattern
		var h uint8
		if bytes.Contains(title, []byte(p)) {
			h |= fieldTitle
		}
		if bytes.Contains(text, []byte(p)) {
			h |= fieldText
		}
		hits = append(hits, h)
	}
	return hits
}

// CompileError lists every problem that keeps a manager from compiling,
// each with its field path.
type CompileError []models.FieldError

func (e CompileError) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Error()
	}
	return strings.Join(msgs, "; ")
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// literalProblem words a keyword the matcher cannot match.
func literalProblem(err error) string { return err.Error() }

// threshold is the compound score past which a post has the focus polarity,
// as a positive magnitude.
func (c *compiled) threshold() float64 {
	if c.focus.Threshold == nil {
		return c.defaultThreshold()
	}
	return math.Abs(*c.focus.Threshold)
}
