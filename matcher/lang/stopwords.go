package lang

import (
	"strings"
	"unicode"
)

// The fast path: most posts in a Latin-script language say which one in
// their function words ("the", "und", "que"), and counting those costs a
// fraction of lingua's n-gram models. A text whose function words point
// clearly at one language is named by them; any other text (few function
// words, a close call, another script) goes to lingua.

// stopwords are frequent function words of each Latin-script language
// detected, left out where two of them share a word.
var stopwords = map[string][]string{
	"en": strings.Fields("the and to of is for you that with it this on are was have my be but not what can your just do if so we they there their about would been has had any how who which when will an or from our does anyone know"),
	"es": strings.Fields("el los las que y en por para una es con se lo del mi más pero como este esta muy ya también porque cuando hay está son alguien sus nos al"),
	"fr": strings.Fields("le les des et est pour pas je vous nous dans sur avec ce qui au aux une ne elle il sont mais ou cette mon ma très aussi comme tout être fait quelqu"),
	"de": strings.Fields("der die das und ist nicht ich ein eine zu mit für auf es sie wir den dem von sich auch noch wie bei oder aber wenn nur kann mein habe hat sind jemand"),
	"pt": strings.Fields("os não um uma com é do da em no na por mais mas como muito também você isso já está são foi meu minha ao das dos pelo pela tem alguém"),
	"it": strings.Fields("il di che non per è sono con del della gli le ho mi ma anche come questo questa molto perché quando ci si nel alla qualcuno"),
	"nl": strings.Fields("het een van niet ik dat met voor op je zijn wat er ook maar dit hoe wel naar nog bij hij ze kan heb wij iemand"),
	"pl": strings.Fields("nie się jest że na do jak ale czy tak już mnie może jestem są było tylko jego bardzo"),
	"tr": strings.Fields("ve bir bu için ile çok ne mi ama daha gibi kadar olan var ben sen biz"),
}

var stopIndex = func() map[string]string {
	idx := map[string]string{}
	dup := map[string]bool{}
	for lang, words := range stopwords {
		for _, w := range words {
			if other, ok := idx[w]; ok && other != lang {
				dup[w] = true
			}
			idx[w] = lang
		}
	}
	for w := range dup {
		delete(idx, w)
	}
	return idx
}()

const (
	// fastMin is the least function words the winner needs, and fastLead
	// how many times the runner-up's it must have.
	fastMin  = 3
	fastLead = 3
)

// fast names text's language from its function words, or returns "".
func fast(text string) string {
	counts := map[string]int{}
	letters, latin := 0, 0
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		for _, r := range w {
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
		if l, ok := stopIndex[strings.ToLower(strings.Trim(w, "'"))]; ok {
			counts[l]++
		}
	}
	if letters == 0 || latin*10 < letters*9 {
		return "" // another script, or mixed: lingua's rules know scripts
	}
	best, first, second := "", 0, 0
	for l, n := range counts {
		switch {
		case n > first:
			best, first, second = l, n, first
		case n > second:
			second = n
		}
	}
	if first >= fastMin && first >= fastLead*second {
		return best
	}
	return ""
}
