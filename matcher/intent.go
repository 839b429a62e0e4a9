package matcher

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/earshothq/earshot/models"
)

// Purchase intent by stage. A post is read as sentences of lower-case
// words (apostrophes dropped: "i'm" is "im"), each ended by " . " or, for a
// question, " ? ". Cue phrases are found in one Aho-Corasick pass; each
// says a stage (SEEKING, COMPARING, DECIDING, PURCHASED) or what looks like
// intent but is not: a refusal, a review of what one owns, an ad, a launch,
// news, a support question, or a non-product "looking for". A stage cue
// with a negator shortly before it in its sentence is a refusal. The rules
// were written on testdata/intent/dev.jsonl; testdata/intent/test.jsonl is
// frozen and only measured.

type cueKind uint8

const (
	kindSeeking cueKind = iota
	kindComparing
	kindDeciding
	kindPurchased
	kindRefusal   // "not worth it", "never again", "returned it"
	kindOwned     // "after 3 years", "still going strong": a review of what one has
	kindPromo     // an ad or a seller: "% off", "shop now", "for sale"
	kindLaunch    // "i built", "show hn", "just launched"
	kindNews      // "announces", "recalls", "according to"
	kindSupport   // "how do i", "why does": a question that is not a request
	kindNotBuying // "looking for a job": a seeking phrase about no product
	numCueKinds
)

var kindStage = [...]string{kindSeeking: models.IntentSeeking, kindComparing: models.IntentComparing,
	kindDeciding: models.IntentDeciding, kindPurchased: models.IntentPurchased}

var kindNames = [numCueKinds]string{"seeking", "comparing", "deciding", "purchased", "refusal", "owned",
	"promotion", "launch", "news", "support question", "not a product"}

// intentCue is a phrase with alternatives in braces, expanded at start:
// "{i,we} {just,} bought" is "i just bought", "i bought", "we just
// bought" and "we bought". "?" stands for the end of a question, "." for
// the end of a statement.
type intentCue struct {
	expr   string
	kind   cueKind
	weight float64
	// asks: the cue counts only in a question.
	asks bool
}

const (
	firstPerson = "{i,we,i ve,we ve,ive,weve,i just,we just,just,finally,i finally,we finally,today i,so i,and}"
	buyPast     = "{bought,ordered,purchased,copped,preordered,pre ordered}"
	buyFuture   = "{buy,order,get,grab,purchase,pick up,go with,sign up for,subscribe to,cop,pay for,book,preorder}"
	planTo      = "{im going to,i am going to,were going to,we are going to,im gonna,i m gonna,gonna,going to,ill,i will,well,we will,will,planning to,plan to,im planning to,about to,decided to,ive decided to,we decided to,ready to,want to,wanna,looking to,need to,am going to}"
	products    = "{a,an,the,my,our,some,one,new,this,that,it,them}"
)

var intentCues = []intentCue{
	// PURCHASED: a first-person report of a purchase.
	{firstPerson + " " + buyPast, kindPurchased, 0.9, false},
	{". " + buyPast, kindPurchased, 0.85, false},
	{buyPast + " " + products, kindPurchased, 0.75, false},
	{"{just,finally} {got,picked up,grabbed} {a,an,the,my,our,me,it,new,one,some}", kindPurchased, 0.8, false},
	{"{just,finally,already,we,i,and} {paid for,signed up for,subscribed to,booked,hired,copped}", kindPurchased, 0.8, false},
	{". {paid for,signed up for,subscribed to,picked up,booked,hired,bought,ordered,purchased,copped,got approved for}", kindPurchased, 0.8, false},
	{"{i,we} {got,picked up,paid for,signed up for,subscribed to,booked,hired,grabbed,signed} {a,an,the,my,our,it,for,with,up}", kindPurchased, 0.7, false},
	{". {got,picked up,paid for,signed up for,subscribed to,booked,grabbed,hired} {a,an,the,my,our,it,for,with,up,my first,our first}", kindPurchased, 0.7, false},
	{"{placed,put in} {my,an,our,the} order", kindPurchased, 0.9, false},
	{"{checked out,check out complete,paid the deposit,paid a deposit,paid the registration,signed the papers,signed the contract,signed for,got approved for,drove it home,arrived today,arrived yesterday,came in today,should ship,delivery next week,arrives tomorrow,arrives next week,arrives friday,arrives monday,arrives tuesday,arrives thursday,should be here}", kindPurchased, 0.8, false},
	{"{went with,switched to,moved to} {a,an,the,it}", kindPurchased, 0.5, false},

	// DECIDING: a first-person plan or decision to buy.
	{planTo + " " + buyFuture, kindDeciding, 0.85, false},
	{planTo + " {be ordering,be buying,be getting,be signing up,be switching,order it,buy it,switch to,move to,sign,enroll,apply for,register,subscribe,sign the,put down,pull the trigger,take the plunge,cop,splurge}", kindDeciding, 0.85, false},
	{"{will be ordering,will be buying,be ordering,ordering it,ordering now,ordering tonight,ordering tomorrow,ordering this,ordering one,buying it,buying the,buying a,buying one,buying my,buying this,getting the,grabbing the,grabbing one,picking it up,signing up,signing the,signing tomorrow,signing on}", kindDeciding, 0.75, false},
	{"{decided on,deciding on,going with,gonna go with,settled on,went for,pulling the trigger,taking the plunge,putting down a deposit,put down a deposit,final decision,final answer,adding it to cart,adding to cart,adding to my cart,added to cart,added it to my cart,in my cart,to my cart,to cart,approved the budget,purchase order,purchase request is approved,dont talk me out,wish me luck,booked the install,install is booked}", kindDeciding, 0.8, false},
	{"{im getting,im buying,were getting,were buying,i m getting,we re getting,were booking,were enrolling,were adding,im ordering,were ordering,im signing,were signing,were switching,were moving,were going ahead,we re going with,were going with,im going with}", kindDeciding, 0.85, false},
	{"{ordering,buying,getting} {tonight,tomorrow,this weekend,this week,next week,on friday,on saturday,after payday,when it goes on sale}", kindDeciding, 0.8, false},
	{". {ordering,buying,getting,grabbing,applying for,paying for,subscribing to,signing up for,switching to,upgrading to,booking,moving the,moving our,moving to,picking up,preordering}", kindDeciding, 0.75, false},
	{"{tonight,tomorrow,this weekend,after payday} .", kindDeciding, 0.3, false},

	// COMPARING: weighing options.
	{"{vs,versus,or the,compared the two,comparing,torn between,deciding between,choosing between,cant decide,can t decide,help me decide,trying to decide,pros and cons,any reason to pick,which would you,which one would you,which is better,which one is better,which one should,which is the better,what would you pick,what would you do,would you pick,would you choose,would you buy}", kindComparing, 0.75, false},
	{"{worth it,worth the extra,worth the money,worth the price,worth paying,worth the premium,worth double,worth twice,worth upgrading,worth the upgrade,really better,much better,that much better,better buy,better value,better choice,the better,bang for buck,just as good} ?", kindComparing, 0.8, false},
	{"{anyone compared,has anyone compared,anyone own either,anyone used both,experience with both,or should i,or just get,or nah}", kindComparing, 0.75, false},
	{"{worth,better,more reliable,last longer,lasts longer,the difference,price difference,the most for the money}", kindComparing, 0.7, true},

	// SEEKING: asking for options.
	{"{looking for,searching for,shopping for,hunting for,hunting for,in the market for,on the hunt for,lookin for,looking 4,look for} {a,an,some,new,the,good,recommendations,recs,suggestions,cheap,decent,something,someone,options,reliable,any,my next,advice on buying,alternatives,alternative,a replacement,replacements,tools,software,apps,vendors,providers}", kindSeeking, 0.75, false},
	{"{recommend,recommendations,recommendation,recs,rec,suggestions,suggest,suggestion,ideas,advice,options,alternatives,alternative,replacement,thoughts,help} ?", kindSeeking, 0.8, false},
	{"{can anyone recommend,can you recommend,could anyone recommend,anyone recommend,would you recommend,do you recommend,recommend me,recommend a,recommend an,recommend any,any recommendations,any recs,any rec,a rec for,recs for,rec for,recommendations for,suggestions for,suggestions please,suggestions pls,any suggestions,suggest a,suggest an,suggest something,can someone suggest,any ideas,any advice,please share your recs,swear by,holy grail}", kindSeeking, 0.8, false},
	{"{what should i,what should we,which should i,which should we,what do i,what would you} {get,buy,grab,look at,be looking at,be looking for,look for,choose,go for}", kindSeeking, 0.85, false},
	{"{what,which} {tool,tools,app,apps,software,service,services,platform,crm,vendor,provider,stack} {do you,are you,did you,does everyone,do people,do you guys,do you all,have you} {use,using,recommend,used,switch to,pick}", kindSeeking, 0.8, false},
	{"{what did you switch to,what did you move to,what else is out there,what else is there,anything else out there,any experiences,anyone tried it,has anyone used,has anyone tried,anyone used,anyone tried}", kindSeeking, 0.65, true},
	{"{thinking about switching,thinking of switching,thinking about getting,thinking of getting,thinking about buying,thinking of buying,considering it,considering switching,considering getting,considering buying,thinking about trellis}", kindComparing, 0.65, false},
	{"should {i,we} {get,buy,apply for,go with,choose,pick,grab,order,look at,consider}", kindSeeking, 0.75, true},
	{"{recommendations,recs,suggestions,recommendation} .", kindSeeking, 0.75, false},
	{"{. any,. best,. good,. cheap,. which,. what are the,. whats the easiest,. what s the easiest,. whats a,. what s a,. anything,. something,worth looking at,is there anything,is there something,anything cheaper,anything better}", kindSeeking, 0.6, true},
	{"{what do you,what do you guys,what do yall,what do you all,what are you,what are you all,what are people,what does everyone,who do you,who have you,who did you,what did you all,what did you,what s everyone,whats everyone} {use,using,get,buy,recommend,swear by,used}", kindSeeking, 0.8, false},
	{"{alternative to,alternatives to,alternative for,replacement for,substitute for,cheaper alternative,something better,something cheaper,anything better,something else ?,anything else ?,other options}", kindSeeking, 0.75, false},
	{"{anyone know a,anyone know of,does anyone know a,does anyone know of,anyone know any,know any good,know a good,anyone have a,anyone have someone,does anyone have a,anyone have a good,who should we get quotes,where can i buy,where to buy,where should i buy,is there a,is there any,is there an,are there any,any good,any decent,what s a good,whats a good,what is a good,whats the best,what s the best,what is the best,best way to find}", kindSeeking, 0.65, false},
	{"{i need,we need,need,needs,i want,we want,want} {a,an,a new,new,some,something,a good,a decent,a cheap,a replacement,someone,one}", kindSeeking, 0.55, false},
	{"{budget is,budget of,budget around,budget ~,under 100,under 150,under 200,under 300,under 400,under 500,under 800,under 1000,budget}", kindSeeking, 0.3, false},
	{"{best,good,decent,cheap,reliable,which,what} {laptop,phone,camera,tool,app,software,crm,platform,service,vpn,headphones,earbuds,mattress,chair,desk,monitor,router,printer,tent,car,bike,ebike,stroller,tablet,tv,vacuum,drone,lens,keyboard,mouse,provider,company,brand,one} {for,that,under,to,with,should,?}", kindSeeking, 0.7, true},

	// Refusals and verdicts against buying.
	{"{not worth it,not worth the,isnt worth,is not worth,not worth,overpriced,over priced,rip off,ripoff,waste of money,waste money,save your money,dont buy,do not buy,don t buy,dont waste,avoid,never again,never buying,never buy,would not buy,wouldnt buy,would not recommend,wouldnt recommend,hard pass,no thanks,pass on,passing,passed on,skip it,skip the,skipping,not for me,not buying,not getting,not upgrading,not paying,not renewing,not switching,not going to buy,not gonna buy,not going with,not moving,wont be buying,won t be buying,talked myself out,decided against,decided not to,said no to,returning it,returning my,returned,returned it,cancelled,canceled,cancelling my,cancel my,is a scam,are a scam,no way im paying,not worth paying,i dont need,dont need,done with,no reason to,sold mine,selling it instead,keeping my,keep my,sticking with,staying with,ill keep,ill wait,i ll wait}", kindRefusal, 0.8, false},

	// A review of what one owns.
	{"{years ago,year ago,months ago,in 2015,in 2016,in 2017,in 2018,in 2019,in 2020,in 2021,in 2022,in 2023,after a year,after one year,after two years,after 2 years,after 3 years,after 6 months,a year in,years in,year in,years later,year later,months later,long term,ownership,still going,still works,still great,still perfect,still flying,still my,still the,still looks,still running,still printing,still fluffy,still comfortable,been using,had it for,had mine for,had this for,had the,have had,ive had,weve had,we ve had,i ve had,owned,ama,review .,review after,my review,year review,review 2,review 3,update .,k miles,000 km,000 miles,km on,miles on,hours on}", kindOwned, 0.8, false},

	// Sellers: ads, listings, promotions.
	{"{off all,off select,off everything,off sitewide,off your,off for,off until,off this,up to 10 off,up to 20 off,up to 25 off,up to 30 off,up to 35 off,up to 40 off,up to 50 off,up to 60 off,up to 70 off,biggest sale,sale ends,sale is live,spring sale,summer sale,memorial day sale,clearance,deals are live,shop now,order today,order now,buy now,preorder now,pre order now,preorder today,available now,in stores,now available,link in bio,link below,free shipping,free delivery,limited time,limited slots,limited spots,limited quantities,while supplies last,use code,promo code,discount code,code,call us,call now,call today,call me,message us,message me,dm me,dm for,for sale,wts,fs,selling my,selling a,asking price,obo,pick up only,must pick up,must go,shipped,just listed,open house,now enrolling,enroll today,sign up now,sign up today,start your free trial,try it free,get a quote,free quote,free assessment,free estimate,we offer,our collection,the collection,new collection,new drop,drops friday,dropping,restock,back in stock,group buy,book a tour,new clients,is here,are here,is back,grand opening,sponsored,promo,introducing,deals are}", kindPromo, 0.7, false},

	// Makers announcing what they made.
	{"{i built,we built,i made,we made,i designed,i created,we created,ive built,weve built,i ve built,we ve built,i started,we opened,we launched,just launched,launching,just shipped,we shipped,show hn,launch hn,product hunt,excited to announce,excited to share,is live,is out today,now live,is out on,my small business,my business,my etsy,my shop,my course,my book,my first book,our new podcast,our indie game,my side project,our little,feedback welcome,would love feedback,would love your feedback,feedback appreciated,support appreciated}", kindLaunch, 0.75, false},

	// News: what companies do, in the third person.
	{"{announces,announced,unveils,unveiled,launches,launched,recalls,recalled,raises prices,raised prices,cuts prices,acquires,acquired,files for,confirms,reportedly,report says,reports say,report finds,according to,analysts,company says,the company,shares,stock,price cut,prices rise,prices fall,will retail for,set for,embargo,lays off,sued,discontinues,expands,votes to,announcement,reviews are in,critics,is planning,plans to,goes private,exits,rolling out to,take effect,takes effect,shipping starts,preorders open,sold,costs rose,rates expected}", kindNews, 0.7, false},

	// Questions about use, not about buying.
	{"{how do i,how do you,how can i,how to,how long,how often,how many,why is,why does,why do,why won t,why wont,why are,what does,what causes,is it normal,is this normal,is it legal,can i,can my,do i need,does it,does the,does my,does anyone know how,does anyone know if,does anyone know why,does anyone know when,anyone know how,anyone know why,anyone know if,when did you,when should i,whats the difference,what s the difference,what is the difference,which side,curious what,curious how,just curious,not looking to buy,not in the market,is there a way,do we need,should early stage,quick poll}", kindSupport, 0.7, false},

	// "Looking for" about no product.
	{"{looking for,searching for,in the market for,looking 4,lookin for} {a job,work,friends,a friend,advice on,advice about,feedback,motivation,a word,my,buddies,hiking buddies,people,a partner,in a partner,a roommate,a cofounder,a co founder,volunteers,beta testers,testers,speakers,a mentor,inspiration,a nap,love,clients,a new job,an internship,a team}", kindNotBuying, 0.9, false},
	{"{any tips,tips on getting,advice on negotiating,what are you looking for,got an offer,got a job,got a full time,job offer,job offers,got promoted,the right community,a checklist,a template,courses to buy,got to the,got to my,worth it to,worth learning,worth watching,worth reading,worth the wait}", kindNotBuying, 0.6, false},
}

// negators negate a stage cue up to three words after them in a sentence.
var negators = map[string]bool{"not": true, "no": true, "never": true, "dont": true, "wont": true, "isnt": true,
	"arent": true, "didnt": true, "cant": true, "wouldnt": true, "shouldnt": true, "nope": true, "against": true,
	"without": true, "stop": true, "stopped": true}

type intentCueSet struct {
	cues []intentCue // one per expanded phrase
	ac   *automaton
}

var intentCueSet_ = sync.OnceValue(func() *intentCueSet {
	s := &intentCueSet{}
	var patterns []string
	seen := map[string]bool{}
	for _, c := range intentCues {
		for _, p := range expandCue(c.expr) {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			s.cues = append(s.cues, intentCue{expr: p, kind: c.kind, weight: c.weight, asks: c.asks})
			patterns = append(patterns, " "+p+" ")
		}
	}
	s.ac = newAutomaton(patterns)
	return s
})

// expandCue expands the brace alternatives of a cue expression.
func expandCue(expr string) []string {
	i := strings.IndexByte(expr, '{')
	if i < 0 {
		return []string{expr}
	}
	j := strings.IndexByte(expr[i:], '}') + i
	var out []string
	for _, alt := range strings.Split(expr[i+1:j], ",") {
		for _, rest := range expandCue(expr[j+1:]) {
			out = append(out, expr[:i]+alt+rest)
		}
	}
	return out
}

// intentText is a post as the intent cues read it: " word word . word ? ",
// lower-case, apostrophes dropped, every sentence ended by " . " or " ? ",
// the title a sentence of its own.
func appendIntentText(b []byte, p *models.Post) []byte {
	b = append(b, " . "...)
	b = appendIntentSentences(b, truncate(p.Title, maxIntentText))
	b = appendIntentSentences(b, truncate(p.Text, maxIntentText))
	return b
}

// maxIntentText bounds what the cues read of a title or text: intent
// shows in the first pages.
const maxIntentText = 16 << 10

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func appendIntentSentences(b []byte, s string) []byte {
	end := func(q bool) {
		for len(b) > 0 && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
		if n := len(b); n >= 2 && (b[n-1] == '.' || b[n-1] == '?') && b[n-2] == ' ' {
			if q {
				b[n-1] = '?'
			}
			b = append(b, ' ')
			return
		}
		if q {
			b = append(b, " ? "...)
		} else {
			b = append(b, " . "...)
		}
	}
	space := func() {
		if len(b) > 0 && b[len(b)-1] != ' ' {
			b = append(b, ' ')
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				b = append(b, c)
			case 'A' <= c && c <= 'Z':
				b = append(b, c+('a'-'A'))
			case c == '\'':
			case c == '.' && i < len(s) && s[i] >= '0' && s[i] <= '9' && len(b) > 0 && b[len(b)-1] >= '0' && b[len(b)-1] <= '9':
				// "4.5": not a sentence end
			case c == '.' || c == '!' || c == '?' || c == '\n' || c == ';':
				q := c == '?'
				for i < len(s) && (s[i] == '.' || s[i] == '!' || s[i] == '?') {
					q = q || s[i] == '?'
					i++
				}
				end(q)
			case c == '%':
				space()
				b = append(b, "off "...) // "50% off", "30%" read alike
			default:
				space()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '’' || r == 'ʼ':
		case r == '…':
			end(false)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b = utf8.AppendRune(b, unicode.ToLower(r))
		default:
			space()
		}
	}
	end(false)
	return b
}

// intentVerdict is what the cues say of a post.
type intentVerdict struct {
	stage  string
	score  float64
	reason []string
}

type cueHit struct {
	cue        int
	start, end int
}

// classifyIntent finds the post's purchase-intent stage and a score in
// [0, 1] for it.
func classifyIntent(p *models.Post) intentVerdict {
	bp := sentimentBufs.Get().(*[]byte)
	b := appendIntentText((*bp)[:0], p)
	*bp = b
	defer sentimentBufs.Put(bp)
	cs := intentCueSet_()
	var hits []cueHit
	cs.ac.scan(b, func(id int32, end int) {
		c := cs.cues[id]
		hits = append(hits, cueHit{cue: int(id), start: end - len(c.expr) - 2, end: end})
	})
	// A "looking for" about no product drops the seeking cues it covers.
	var best [numCueKinds]float64
	var bestAsks [numCueKinds]bool
	var bestCue [numCueKinds]int
	for i := range bestCue {
		bestCue[i] = -1
	}
	var notBuying []cueHit
	for _, h := range hits {
		if cs.cues[h.cue].kind == kindNotBuying {
			notBuying = append(notBuying, h)
		}
	}
	for _, h := range hits {
		c := cs.cues[h.cue]
		k, w := c.kind, c.weight
		if c.asks && !inQuestion(b, h.end-1) {
			continue
		}
		if k <= kindPurchased {
			covered := false
			for _, o := range notBuying {
				if o.start < h.end-1 && o.end-1 > h.start {
					covered = true
					break
				}
			}
			if covered {
				continue
			}
			if negatedAt(b, h.start) {
				k, w = kindRefusal, 0.6*w
			}
		}
		if w > best[k] {
			best[k], bestCue[k], bestAsks[k] = w, h.cue, inQuestion(b, h.end-1)
		}
	}
	if w := optionsQuestion(b); w > best[kindComparing] {
		best[kindComparing], bestCue[kindComparing], bestAsks[kindComparing] = w, orCue(), true
	}
	v := intentVerdict{}
	stageKind := cueKind(255)
	for _, k := range []cueKind{kindPurchased, kindDeciding, kindComparing, kindSeeking} {
		if best[k] >= 0.5 {
			stageKind = k
			break
		}
	}
	if stageKind == 255 {
		// Weak cues alone (a budget, "went with") make a weak seeker.
		for _, k := range []cueKind{kindSeeking, kindPurchased} {
			if best[k] > 0 {
				stageKind = k
				break
			}
		}
	}
	if stageKind == 255 {
		return v
	}
	score := best[stageKind]
	why := func(k cueKind) string {
		return kindNames[k] + " " + strconv.Quote(strings.TrimSpace(cs.cues[bestCue[k]].expr))
	}
	v.reason = append(v.reason, "purchase intent: "+why(stageKind))
	// What looks like intent but is not.
	damp := func(k cueKind, factor float64) {
		if best[k] > 0 {
			score *= 1 - factor*best[k]
			v.reason = append(v.reason, "not a purchase: "+why(k))
		}
	}
	switch stageKind {
	case kindPurchased:
		damp(kindOwned, 0.9)
		damp(kindRefusal, 0.7)
		damp(kindPromo, 0.5)
		damp(kindNews, 0.8)
	case kindDeciding:
		damp(kindPromo, 0.5)
		damp(kindNews, 0.8)
		if best[kindRefusal] > best[kindDeciding] {
			damp(kindRefusal, 0.7)
		}
	default:
		// A verdict against what one has, beside a question for options,
		// is a lead: "Pingdom is overpriced. What are you using?"
		if bestAsks[stageKind] && best[stageKind] >= 0.65 {
			damp(kindRefusal, 0.2)
		} else {
			damp(kindRefusal, 0.8)
		}
		damp(kindOwned, 0.6)
		damp(kindPromo, 0.8)
		damp(kindNews, 0.8)
		if best[kindSeeking] < 0.75 || stageKind == kindComparing {
			damp(kindSupport, 0.8)
		}
	}
	damp(kindLaunch, 0.9)
	if stageKind <= kindComparing {
		damp(kindNotBuying, 0.6)
	}
	v.stage, v.score = kindStage[stageKind], clamp01(round3(score))
	return v
}

// negatedAt reports whether a negator comes at most three words before
// the cue whose leading space is at start, in the same sentence.
func negatedAt(b []byte, start int) bool {
	j := start // the space after the word before the cue
	for words := 0; words < 3 && j > 0; words++ {
		k := j
		for k > 0 && b[k-1] != ' ' {
			k--
		}
		w := b[k:j]
		if len(w) == 1 && (w[0] == '.' || w[0] == '?') {
			return false
		}
		if negators[string(w)] {
			return true
		}
		j = k - 1
	}
	return false
}

// inQuestion reports whether position i is in a sentence that ends with a
// question mark.
func inQuestion(b []byte, i int) bool {
	for ; i+2 < len(b); i++ {
		if b[i] == ' ' && (b[i+1] == '.' || b[i+1] == '?') && b[i+2] == ' ' {
			return b[i+1] == '?'
		}
	}
	return false
}

// optionsQuestion scores a short question that names options: "X or Y?".
// "… or something else?" asks for options rather than weighing them.
func optionsQuestion(b []byte) float64 {
	start := 0
	for i := 0; i+2 < len(b); i++ {
		if !(b[i] == ' ' && (b[i+1] == '.' || b[i+1] == '?') && b[i+2] == ' ') {
			continue
		}
		if b[i+1] == '?' {
			sent := string(b[start:i])
			if j := strings.Index(sent, " or "); j >= 0 && len(strings.Fields(sent)) <= 14 {
				after := sent[j+4:]
				if !strings.HasPrefix(after, "something") && !strings.HasPrefix(after, "anything") && !strings.HasPrefix(after, "not") &&
					!strings.HasPrefix(after, "no ") && !strings.HasPrefix(after, "nah") && !strings.HasPrefix(after, "other") {
					return 0.75
				}
			}
		}
		start = i + 2
	}
	return 0
}

// orCue is the index of the cue that stands for optionsQuestion in reasons.
var orCue = sync.OnceValue(func() int {
	for i, c := range intentCueSet_().cues {
		if c.expr == "vs" {
			return i
		}
	}
	return 0
})
