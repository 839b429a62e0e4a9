package query

import (
	"unicode"
	"unicode/utf8"
)

// AppendNormalized appends s to dst as the matcher sees text: lowercase words
// of letters, digits and combining marks, each followed by one space, so that
// " word " (with the leading space dst already ends with) only ever occurs on
// word boundaries. Runes of scripts written without spaces (Han, kana, Thai…)
// are words on their own, so a phrase of them still matches inside a longer
// run. Everything else separates words.
//
// dst should end with a space (or be empty, in which case one is written).
func AppendNormalized(dst []byte, s string) []byte {
	if len(dst) == 0 || dst[len(dst)-1] != ' ' {
		dst = append(dst, ' ')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				dst = append(dst, c)
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+('a'-'A'))
			default:
				if dst[len(dst)-1] != ' ' {
					dst = append(dst, ' ')
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isUnspaced(r):
			if dst[len(dst)-1] != ' ' {
				dst = append(dst, ' ')
			}
			dst = utf8.AppendRune(dst, r)
			dst = append(dst, ' ')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			r = unicode.ToLower(r)
			if r == 'ς' { // final sigma folds to sigma
				r = 'σ'
			}
			dst = utf8.AppendRune(dst, r)
		default:
			if dst[len(dst)-1] != ' ' {
				dst = append(dst, ' ')
			}
		}
	}
	if dst[len(dst)-1] != ' ' {
		dst = append(dst, ' ')
	}
	return dst
}

// isUnspaced reports whether r belongs to a script written without spaces
// between words.
func isUnspaced(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// Words returns the normalized words of s.
func Words(s string) []string {
	b := AppendNormalized(nil, s)
	var out []string
	start := 1
	for i := 1; i < len(b); i++ {
		if b[i] == ' ' {
			if i > start {
				out = append(out, string(b[start:i]))
			}
			start = i + 1
		}
	}
	return out
}
