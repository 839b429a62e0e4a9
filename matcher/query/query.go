// Package query parses Earshot's monitor query language (input.query).
//
//	query   = or
//	or      = and { "OR" and }
//	and     = unary { [ "AND" ] unary }          (juxtaposition is AND)
//	unary   = ( "NOT" | "-" ) unary | primary
//	primary = "(" or ")" | [ field ":" ] ( phrase | word )
//	field   = "title" | "text" | "author" | "subreddit" | "lang" | "type"
//	phrase  = '"' { character other than '"' } '"' [ "*" ]
//	word    = { character other than space, quote, parenthesis } [ "*" ]
//
// Operators are upper case; "and"/"or"/"not" in lower case are words.
// Words and phrases match case-insensitively on word boundaries in the
// title or text (see AppendNormalized); a trailing * makes the last word a
// prefix. author:, subreddit:, lang: and type: compare the whole value.
package query

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field is where a term applies.
type Field uint8

const (
	FieldAny Field = iota // title or text
	FieldTitle
	FieldText
	FieldAuthor
	FieldSubreddit
	FieldLang
	FieldType
)

var fieldNames = map[string]Field{
	"title": FieldTitle, "text": FieldText, "author": FieldAuthor,
	"subreddit": FieldSubreddit, "lang": FieldLang, "type": FieldType,
}

func (f Field) String() string {
	for k, v := range fieldNames {
		if v == f {
			return k
		}
	}
	return "any"
}

// IsContent reports whether terms on f match words in the title or text.
func (f Field) IsContent() bool { return f <= FieldText }

// Node is a parsed query: *And, *Or, *Not or *Term.
type Node interface{ node() }

// And matches when all its children match.
type And struct{ Children []Node }

// Or matches when any of its children matches.
type Or struct{ Children []Node }

// Not matches when its child does not.
type Not struct{ Child Node }

// Term is one word, phrase or field filter.
type Term struct {
	Field Field
	// Words are the normalized words of a content term; for other fields,
	// Words holds the one lower-cased value.
	Words []string
	// Prefix makes the last word (or the value) a prefix.
	Prefix bool
	// Raw is the term as written, for reasons and errors.
	Raw string
	// Column is the 1-based column where the term starts.
	Column int
}

func (*And) node()  {}
func (*Or) node()   {}
func (*Not) node()  {}
func (*Term) node() {}

// Error is a parse error. Column counts characters from 1.
type Error struct {
	Column   int
	Expected string
	Found    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("query: column %d: expected %s, found %s", e.Column, e.Expected, e.Found)
}

// Bounds of a query. Every path that parses one (the API, the
// configuration file, the matcher) gets them here, before any work that
// grows with the query: without them a deeply nested query of a megabyte
// takes gigabytes to parse, and ten megabytes overflow the stack.
const (
	MaxLength = 4096 // bytes
	MaxDepth  = 32   // nested parentheses and NOTs
	MaxTerms  = 256  // words, phrases and field filters
)

// LimitError is a query over one of the bounds.
type LimitError struct {
	What  string // "length", "depth", "terms"
	Limit int
}

func (e *LimitError) Error() string {
	switch e.What {
	case "length":
		return fmt.Sprintf("query: longer than %d bytes (the limit)", e.Limit)
	case "depth":
		return fmt.Sprintf("query: parentheses and NOTs nested deeper than %d levels (the limit)", e.Limit)
	default:
		return fmt.Sprintf("query: more than %d terms (the limit)", e.Limit)
	}
}

// MinPrefix is the fewest characters a wildcard prefix may have, so that a
// query cannot ask for every word starting with one letter.
const MinPrefix = 2

// Parse parses q. An empty query (only spaces) is an error; callers treat
// an absent query separately.
func Parse(q string) (Node, error) {
	if len(q) > MaxLength {
		return nil, &LimitError{What: "length", Limit: MaxLength}
	}
	if !utf8.ValidString(q) {
		return nil, &Error{Column: 1, Expected: "UTF-8 text", Found: "invalid UTF-8"}
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	terms := 0
	for _, t := range toks {
		if t.kind == tWord || t.kind == tPhrase {
			terms++
		}
	}
	if terms > MaxTerms {
		return nil, &LimitError{What: "terms", Limit: MaxTerms}
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, &Error{Column: 1, Expected: "a term", Found: "an empty query"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, &Error{Column: t.col, Expected: "an operator or a term", Found: `")" without a matching "("`}
		}
		return nil, &Error{Column: t.col, Expected: "end of query", Found: t.describe()}
	}
	return n, nil
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tPhrase
	tLParen
	tRParen
	tAnd
	tOr
	tNot
)

type token struct {
	kind   tokKind
	text   string // word or phrase content
	field  string // "title" in title:foo
	prefix bool
	col    int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tPhrase:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func lex(q string) ([]token, error) {
	var toks []token
	col := 0
	i := 0
	next := func() rune {
		r, n := utf8.DecodeRuneInString(q[i:])
		i += n
		col++
		return r
	}
	for i < len(q) {
		r, _ := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) {
			next()
			continue
		}
		start := col + 1
		switch r {
		case '(':
			next()
			toks = append(toks, token{kind: tLParen, col: start})
			continue
		case ')':
			next()
			toks = append(toks, token{kind: tRParen, col: start})
			continue
		case '-':
			// "-" directly before a term negates it: -spam
			if i+1 < len(q) && !unicode.IsSpace(rune(q[i+1])) {
				next()
				toks = append(toks, token{kind: tNot, col: start})
				continue
			}
		}
		// A word, possibly field:value or field:"phrase".
		var field string
		if r != '"' {
			wstart := i
			for i < len(q) {
				r, _ := utf8.DecodeRuneInString(q[i:])
				if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				if r == ':' {
					name := strings.ToLower(q[wstart:i])
					if _, ok := fieldNames[name]; ok {
						field = name
						next()
						break
					}
				}
				next()
			}
			if field == "" {
				w := q[wstart:i]
				if i < len(q) && q[i] == '"' {
					return nil, &Error{Column: col + 1, Expected: "a space before the phrase", Found: `'"'`}
				}
				switch w {
				case "AND":
					toks = append(toks, token{kind: tAnd, col: start})
					continue
				case "OR":
					toks = append(toks, token{kind: tOr, col: start})
					continue
				case "NOT":
					toks = append(toks, token{kind: tNot, col: start})
					continue
				}
				t, err := wordToken(w, start)
				if err != nil {
					return nil, err
				}
				toks = append(toks, t)
				continue
			}
			if i >= len(q) || unicode.IsSpace(rune(q[i])) || q[i] == ')' || q[i] == '(' {
				return nil, &Error{Column: col + 1, Expected: fmt.Sprintf("a value after %s:", field), Found: foundAt(q, i)}
			}
		}
		if i < len(q) && q[i] == '"' {
			pcol := col + 1
			next()
			pstart := i
			for i < len(q) && q[i] != '"' {
				next()
			}
			if i >= len(q) {
				return nil, &Error{Column: col + 1, Expected: fmt.Sprintf(`a closing '"' for the phrase opened at column %d`, pcol), Found: "end of query"}
			}
			text := q[pstart:i]
			next()
			t := token{kind: tPhrase, text: text, field: field, col: start}
			if i < len(q) && q[i] == '*' {
				next()
				t.prefix = true
			}
			if strings.TrimSpace(text) == "" {
				return nil, &Error{Column: pcol, Expected: "words inside the quotes", Found: "an empty phrase"}
			}
			toks = append(toks, t)
			continue
		}
		wstart := i
		for i < len(q) {
			r, _ := utf8.DecodeRuneInString(q[i:])
			if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
				break
			}
			next()
		}
		t, err := wordToken(q[wstart:i], start)
		if err != nil {
			return nil, err
		}
		t.field = field
		toks = append(toks, t)
	}
	toks = append(toks, token{kind: tEOF, col: col + 1})
	return toks, nil
}

func foundAt(q string, i int) string {
	if i >= len(q) {
		return "end of query"
	}
	r, _ := utf8.DecodeRuneInString(q[i:])
	if unicode.IsSpace(r) {
		return "a space"
	}
	return fmt.Sprintf("%q", r)
}

func wordToken(w string, col int) (token, error) {
	t := token{kind: tWord, text: w, col: col}
	if strings.HasSuffix(w, "*") {
		t.prefix = true
		t.text = strings.TrimSuffix(w, "*")
	}
	if strings.Contains(t.text, "*") {
		return t, &Error{Column: col + strings.Index(w, "*"), Expected: "a wildcard only at the end of a word (plug*)", Found: `"*"`}
	}
	return t, nil
}

type parser struct {
	toks  []token
	pos   int
	depth int // of parentheses and NOTs around the current token
}

// enter goes one level deeper, refusing more than MaxDepth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &LimitError{What: "depth", Limit: MaxDepth}
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) take() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) or() (Node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []Node{first}
	for p.peek().kind == tOr {
		p.take()
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &Or{Children: kids}, nil
}

func (p *parser) and() (Node, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []Node{first}
	for {
		t := p.peek()
		if t.kind == tAnd {
			p.take()
		} else if t.kind == tEOF || t.kind == tOr || t.kind == tRParen {
			break
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &And{Children: kids}, nil
}

func (p *parser) unary() (Node, error) {
	if p.peek().kind == tNot {
		p.take()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{Child: n}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Node, error) {
	t := p.take()
	switch t.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.kind != tRParen {
			return nil, &Error{Column: c.col, Expected: fmt.Sprintf(`")" to close the "(" at column %d`, t.col), Found: c.describe()}
		}
		p.take()
		return n, nil
	case tWord, tPhrase:
		return makeTerm(t)
	}
	return nil, &Error{Column: t.col, Expected: `a term, a "phrase" or "("`, Found: t.describe()}
}

func makeTerm(t token) (Node, error) {
	f := FieldAny
	if t.field != "" {
		f = fieldNames[t.field]
	}
	raw := t.text
	if t.kind == tPhrase {
		raw = `"` + t.text + `"`
	}
	if t.prefix {
		raw += "*"
	}
	if t.field != "" {
		raw = t.field + ":" + raw
	}
	term := &Term{Field: f, Prefix: t.prefix, Raw: raw, Column: t.col}
	if f.IsContent() {
		term.Words = Words(t.text)
		if len(term.Words) == 0 {
			return nil, &Error{Column: t.col, Expected: "a word with letters or digits", Found: fmt.Sprintf("%q", t.text)}
		}
		if t.prefix && utf8.RuneCountInString(term.Words[len(term.Words)-1]) < MinPrefix {
			return nil, &Error{Column: t.col, Expected: fmt.Sprintf("at least %d characters before *", MinPrefix), Found: fmt.Sprintf("%q", t.text+"*")}
		}
		return term, nil
	}
	v := strings.ToLower(strings.TrimSpace(t.text))
	if f == FieldSubreddit {
		v = strings.TrimPrefix(strings.TrimPrefix(v, "/"), "r/")
	}
	if f == FieldAuthor {
		v = strings.TrimPrefix(strings.TrimPrefix(v, "/"), "u/")
		v = strings.TrimPrefix(v, "@")
	}
	if v == "" {
		return nil, &Error{Column: t.col, Expected: fmt.Sprintf("a value after %s:", t.field), Found: "nothing"}
	}
	term.Words = []string{v}
	return term, nil
}

// Literal returns the term a keyword or exclude entry stands for: its words
// as a phrase, a trailing * making the last word a prefix. It is not parsed
// as a query, so "AND" or quotes in it are plain text.
func Literal(s string) (*Term, error) {
	t := &Term{Field: FieldAny, Raw: strings.TrimSpace(s), Column: 1}
	body := t.Raw
	if strings.HasSuffix(body, "*") {
		t.Prefix = true
		body = strings.TrimSuffix(body, "*")
	}
	t.Words = Words(body)
	if len(t.Words) == 0 {
		return nil, errors.New("must contain a letter or digit (punctuation alone matches nothing)")
	}
	if t.Prefix && utf8.RuneCountInString(t.Words[len(t.Words)-1]) < MinPrefix {
		return nil, fmt.Errorf("needs at least %d characters before *", MinPrefix)
	}
	return t, nil
}

// Pattern is the normalized text a content term looks for: " w1 w2 " (or
// " w1 pre" for a prefix), which occurs in normalized text exactly where the
// term matches on word boundaries.
func (t *Term) Pattern() string {
	var b strings.Builder
	for _, w := range t.Words {
		b.WriteByte(' ')
		b.WriteString(w)
	}
	if !t.Prefix {
		b.WriteByte(' ')
	}
	return b.String()
}
