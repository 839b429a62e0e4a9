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
	kindComplaint // "still hasnt arrived": an order gone wrong, a support case
	kindGift      // "won tickets", "free for me", "bought me": not the author's purchase
	numCueKinds
)

var kindStage = [...]string{kindSeeking: models.IntentSeeking, kindComparing: models.IntentComparing,
	kindDeciding: models.IntentDeciding, kindPurchased: models.IntentPurchased}

var kindNames = [numCueKinds]string{"seeking", "comparing", "deciding", "purchased", "refusal", "owned",
	"promotion", "launch", "news", "support question", "not a product", "complaint", "gift or free"}

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

// A phrase is one expanded cue, with what its words say of how to read
// it (set when the cue set is built; see classifyIntent).
type phrase struct {
	intentCue
	// object: the phrase ends in a verb or a determiner whose object
	// decides whether it is about buying ("getting a laptop", not "getting
	// old", "got a job").
	object bool
	// subject: whether the phrase names its buyer, and if not what must
	// come before it (see subjectOK).
	subject subjectRule
	// choice: a bare comparison ("A vs B", "or the", "better?") that needs a
	// purchase context: sports fixtures, polls and this-or-that chatter are
	// not buyers weighing products.
	choice bool
	// words: how many words the phrase has, "." and "?" not counted.
	words int
	// ticket: a ticket word alone, whose stage the words before it say
	// (ticketStage).
	ticket bool
	// needsBuy: a phrase that is about buying only beside a purchase word
	// ("wish me luck", "checked out").
	needsBuy bool
	// strong: the phrase ends in a verb that says buying whatever its
	// object, so a time may follow it: "planning to buy on saturday".
	strong bool
	// getVerb: the phrase's verb is "get" or "got", whose phrasal uses
	// ("get it off", "got my nails done") are not purchases.
	getVerb bool
}

const (
	firstPerson = "{i,we,i ve,we ve,ive,weve,i just,we just,just,finally,i finally,we finally,today i,so i,and,also,i also,impulsively,i impulsively,actually,i actually,already,i already,went and,i went and,may have,i may have,may have just,i may have just,i may or may not have,may or may not have,may or may not have just,might have,i might have,officially,accidentally,i accidentally}"
	buyPast     = "{bought,ordered,purchased,copped,preordered,pre ordered}"
	buyFuture   = "{go buy,go get,go order,go grab,go pick up,go book,buy,order,get,grab,purchase,pick up,go with,sign up for,subscribe to,cop,pay for,book,preorder,snag}"
	planTo      = "{all i need is to,need is to,plan is to,gotta,got to,have to,i have to,we have to,might,i might,might just,might just have to,i might just have to,might have to,may,i may,i may or may not,may or may not,imma,ima,im about to,cant wait to,can t wait to,cannot wait to,so i can,tempted to,so tempted to,im tempted to,im so tempted to,trying to,try to,tried to,hope to,hoping to,definitely going to,def going to,prolly gonna,probably gonna,probably going to,im going to,i am going to,were going to,we are going to,im gonna,i m gonna,gonna,going to,ill,i will,well,we will,will,planning to,plan to,im planning to,about to,decided to,ive decided to,we decided to,ready to,want to,wanna,looking to,need to,am going to}"
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
	{"{i,we} {got,picked up,paid for,signed up for,subscribed to,booked,hired,grabbed} {a,an,the,my,our,it,for,up}", kindPurchased, 0.7, false},
	{". {got,picked up,paid for,signed up for,subscribed to,booked,grabbed,hired} {a,an,the,my,our,it,for,with,up,my first,our first}", kindPurchased, 0.7, false},
	{"{placed,put in} {my,an,our,the} order", kindPurchased, 0.9, false},
	{"{renewed my,renewed our,booked in,booked in to see,booked in for}", kindPurchased, 0.75, false},
	{"{treated myself to,treated ourselves to,i treated myself to} {a,an,the,some,new,my,our,this,that,these,those}", kindPurchased, 0.8, false},
	{"{just,finally,i,we,and} {snagged,scored,bagged} {a,an,the,my,our,some,new,one,these,those,myself}", kindPurchased, 0.75, false},
	{"{i,we} {just,finally,} signed for", kindPurchased, 0.8, false},
	{"{checked out,check out complete,paid the deposit,paid a deposit,paid the registration,signed the papers,signed the contract,got approved for,drove it home,arrived today,arrived yesterday,came in today,should ship,delivery next week,arrives tomorrow,arrives next week,arrives friday,arrives monday,arrives tuesday,arrives thursday,should be here}", kindPurchased, 0.8, false},
	{"{went with,switched to,moved to} {a,an,the,it}", kindPurchased, 0.5, false},
	// Tickets, seats and flights: about a third of the leads among real tweets.
	// A ticket word reads the words before it (ticketStage): "got 4 Janet
	// Jackson tickets", "gonna buy my tix tomorrow".
	{"{tickets,ticket,tix,tixs,seats,passes,flights,flight}", kindPurchased, 0.85, false},
	{"{tickets,tix,flights,flight,seats,hotel,trip,holiday,vacation,room} {booked,bought,purchased,secured,sorted,ordered,paid for} .", kindPurchased, 0.8, false},
	{"{tickets,tix,ticket,flights,flight,seats} {have been,has been,are,were,been,all,now} {booked,bought,purchased,secured,sorted,ordered,paid for}", kindPurchased, 0.8, false},
	{"{my,our} {order,package,parcel,preorder,pre order} {came,arrived,is here,is coming,is on its way,shipped,just came,just arrived,comes,arrives}", kindPurchased, 0.75, false},
	{"{spent,dropped,paid} {on,for} {a,my,the,tickets,ticket}", kindPurchased, 0.6, false},
	{"{i,we,so i,so we,and} had to {buy,get,order,book,grab} {it,one,them,a,an,the,my,some,tickets}", kindPurchased, 0.75, false},
	{"{out for delivery,getting delivered,being delivered,tracking number says,came today,came in the mail,arrived in the mail,came in the post,arrived in the post,finally came,finally arrived,is finally here,are finally here}", kindPurchased, 0.75, false},

	// DECIDING: a first-person plan or decision to buy.
	{planTo + " " + buyFuture, kindDeciding, 0.85, false},
	{planTo + " {be ordering,be buying,be getting,be signing up,be switching,order it,buy it,switch to,move to,sign,enroll,apply for,register,subscribe,sign the,put down,pull the trigger,take the plunge,cop,splurge}", kindDeciding, 0.85, false},
	{"{will be ordering,will be buying,be ordering,ordering it,ordering now,ordering tonight,ordering tomorrow,ordering this,ordering one,buying it,buying the,buying a,buying one,buying my,buying this,getting the,grabbing the,grabbing one,picking it up,signing up,signing the,signing tomorrow,signing on}", kindDeciding, 0.75, false},
	{"{decided on,deciding on,going with,gonna go with,settled on,went for,pulling the trigger,taking the plunge,putting down a deposit,put down a deposit,final decision,final answer,adding it to cart,adding to cart,adding to my cart,added to cart,added it to my cart,in my cart,to my cart,to cart,approved the budget,purchase order,purchase request is approved,dont talk me out,wish me luck,booked the install,install is booked}", kindDeciding, 0.8, false},
	{"{im getting,im buying,were getting,were buying,i m getting,we re getting,were booking,were enrolling,were adding,im ordering,were ordering,im signing,were signing,were switching,were moving,were going ahead,we re going with,were going with,im going with}", kindDeciding, 0.85, false},
	{"{ordering,buying,getting} {tonight,tomorrow,this weekend,this week,next week,on friday,on saturday,after payday,when it goes on sale}", kindDeciding, 0.8, false},
	{". {ordering,buying,getting,grabbing,applying for,paying for,subscribing to,signing up for,switching to,upgrading to,booking,moving the,moving our,moving to,picking up,preordering}", kindDeciding, 0.75, false},
	{"{tonight,tomorrow,this weekend,after payday} .", kindDeciding, 0.3, false},
	{"{i,we} {buy,book,order,get,pick up} {my,our} {ticket,tickets,tix,new,copy}", kindDeciding, 0.7, false},
	{"{treating myself to,treat myself to,gonna treat myself to,going to treat myself to} {a,an,the,some,new,my,this,that,these,those}", kindDeciding, 0.75, false},
	{"{ordering,preordering,pre ordering} {a,an,the,my,our,some,new,one,it,them,these,those,this,that}", kindDeciding, 0.75, false},
	{"{so tempted by,tempted by,really tempted by,very tempted by,seriously tempted by} {the,a,an,that,this,those,these,new}", kindDeciding, 0.7, false},
	{"{saving up for,saving for,save up for,saving up to buy,saving money for,saving to buy} {a,an,the,my,our,tickets,ticket,new,it,one,that,this}", kindDeciding, 0.75, false},
	{"{my next purchase,next on my list to buy,trading in my,trade in my,pre ordering,preordering the,pre ordering the}", kindDeciding, 0.75, false},
	{planTo + " {pick it up,pick one up,pick them up,buy myself,get myself,treat myself to}", kindDeciding, 0.8, false},

	{"{i can upgrade,i can finally upgrade,we can upgrade,have an upgrade,my upgrade is,eligible for an upgrade,eligible for upgrade,up for an upgrade,up for upgrade,due for an upgrade,due an upgrade,for my upgrade}", kindDeciding, 0.7, false},
	{"{id like to,i d like to,i would like to,wed like to,we would like to} {book,order,buy,reserve,purchase,get,pre order,preorder}", kindDeciding, 0.8, false},
	{"{pick,picking} {myself,me} up {a,an,the,one,some,my}", kindDeciding, 0.75, false},
	{"{traded in,trading in,trade in} {my,the,our}", kindDeciding, 0.7, false},
	{"{to pick it up,to pick one up,to pick them up}", kindDeciding, 0.6, false},

	// COMPARING: weighing options.
	{"{worth buying,worth getting,worth ordering,worth it to buy,worth it to get,worth it to go for,worth it to upgrade,worth it to switch,worth upgrading to}", kindComparing, 0.75, false},
	{"{may be,might be,could be,will be,gonna be,is going to be,may have just made,just made} my {next,new} {phone,laptop,car,purchase,console,tv,camera,buy,watch,tablet}", kindComparing, 0.7, false},
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
	{"{i need,we need,i really need,we really need,really need,need,i want,we want,want,i really want} {a new,new,a replacement,a replacement for,to replace my,to replace our,an upgrade}", kindSeeking, 0.75, false},
	{"{time for a new,time 4 a new,time for new,in need of a new}", kindSeeking, 0.75, false},
	{"{budget is,budget of,budget around,budget ~,under 100,under 150,under 200,under 300,under 400,under 500,under 800,under 1000,budget}", kindSeeking, 0.3, false},
	{"{best,good,decent,cheap,reliable,which,what} {laptop,phone,camera,tool,app,software,crm,platform,service,vpn,headphones,earbuds,mattress,chair,desk,monitor,router,printer,tent,car,bike,ebike,stroller,tablet,tv,vacuum,drone,lens,keyboard,mouse,provider,company,brand,one} {for,that,under,to,with,should,?}", kindSeeking, 0.7, true},

	{"{where can i,where do i,where to,where should i,how can i,how do i,is it still possible to,possible to,can i still,anyone know where i can,anyone know where to,does anyone know where to} {buy,get,find,order,purchase,book} {tickets,ticket,tix,a ticket,seats,some tickets}", kindSeeking, 0.85, false},
	{"{is it still possible to,is it possible to,possible to,can i still,where can i,where do i,where to,anyone know where i can,does anyone know where i can} {buy,get,purchase,order,book}", kindSeeking, 0.75, true},
	{"{anyone,if anyone,if anyone is,is anyone,anybody,does anyone,someone,if someone,if anybody} {selling,have a spare,got a spare,has a spare,have an extra,got an extra,has an extra,have spare,have extra}", kindSeeking, 0.8, false},
	{"{anyone,if anyone,if anyone is,is anyone,anybody,does anyone,someone,if someone,if anybody} selling {tickets,ticket,tix,a ticket,seats,their ticket,their tickets,a spare}", kindSeeking, 0.8, false},
	{"{who can,can anyone,can someone,someone,can you,can i} {get me,sort me out with,hook me up with,get hooked with,get hooked up with} {a,some,tickets,ticket,tix}", kindSeeking, 0.8, false},
	{"{hope i find,hoping to find,need to find,trying to find,try to find,cant find,can t find,help me find,need help finding} {tickets,ticket,a ticket,tix,seats,a cheap,a good,a new}", kindSeeking, 0.75, false},

	// Refusals and verdicts against buying.
	{"{not worth it,not worth the,isnt worth,is not worth,not worth,overpriced,over priced,rip off,ripoff,waste of money,waste money,save your money,dont buy,do not buy,don t buy,dont waste,avoid,never again,never buying,never buy,would not buy,wouldnt buy,would not recommend,wouldnt recommend,hard pass,no thanks,pass on,passing,passed on,skip it,skip the,skipping,not for me,not buying,not getting,not upgrading,not paying,not renewing,not switching,not going to buy,not gonna buy,not going with,not moving,wont be buying,won t be buying,talked myself out,decided against,decided not to,said no to,returning it,returning my,returned,returned it,cancelled,canceled,cancelling my,cancel my,is a scam,are a scam,no way im paying,not worth paying,i dont need,dont need,done with,no reason to,sold mine,selling it instead,keeping my,keep my,sticking with,staying with,ill keep,ill wait,i ll wait}", kindRefusal, 0.8, false},

	// A review of what one owns.
	{"{way back,months back,ages ago,last year,back in january,back in february,back in feb,back in march,back in april,back in may,back in june,back in july,back in august,back in september,back in october,back in november,back in december,years ago,year ago,months ago,in 2015,in 2016,in 2017,in 2018,in 2019,in 2020,in 2021,in 2022,in 2023,after a year,after one year,after two years,after 2 years,after 3 years,after 6 months,a year in,years in,year in,years later,year later,months later,long term,ownership,still going,still works,still great,still perfect,still flying,still my,still the,still looks,still running,still printing,still fluffy,still comfortable,been using,had it for,had mine for,had this for,had the,have had,ive had,weve had,we ve had,i ve had,owned,ama,review .,review after,my review,year review,review 2,review 3,update .,k miles,000 km,000 miles,km on,miles on,hours on}", kindOwned, 0.8, false},

	// Sellers: ads, listings, promotions.
	{"{off all,off select,off everything,off sitewide,off your,off for,off until,off this,up to 10 off,up to 20 off,up to 25 off,up to 30 off,up to 35 off,up to 40 off,up to 50 off,up to 60 off,up to 70 off,biggest sale,sale ends,sale is live,spring sale,summer sale,memorial day sale,clearance,deals are live,shop now,order today,order now,buy now,preorder now,pre order now,preorder today,available now,in stores,now available,link in bio,link below,free shipping,free delivery,limited time,limited slots,limited spots,limited quantities,while supplies last,use code,promo code,discount code,code,call us,call now,call today,call me,message us,message me,dm me,dm for,for sale,wts,fs,selling my,selling a,asking price,obo,pick up only,must pick up,must go,shipped,just listed,open house,now enrolling,enroll today,sign up now,sign up today,start your free trial,try it free,get a quote,free quote,free assessment,free estimate,we offer,our collection,the collection,new collection,new drop,drops friday,dropping,restock,back in stock,group buy,book a tour,new clients,is here,are here,is back,grand opening,sponsored,promo,introducing,deals are}", kindPromo, 0.7, false},

	// Makers announcing what they made.
	{"{i built,we built,i made,we made,i designed,i created,we created,ive built,weve built,i ve built,we ve built,i started,we opened,we launched,just launched,launching,just shipped,we shipped,show hn,launch hn,product hunt,excited to announce,excited to share,is live,is out today,now live,is out on,my small business,my business,my etsy,my shop,my course,my book,my first book,our new podcast,our indie game,my side project,our little,feedback welcome,would love feedback,would love your feedback,feedback appreciated,support appreciated}", kindLaunch, 0.75, false},

	// News: what companies do, in the third person.
	{"{announces,announced,unveils,unveiled,launches,launched,recalls,recalled,raises prices,raised prices,cuts prices,acquires,acquired,files for,confirms,reportedly,report says,reports say,report finds,according to,analysts,company says,the company,shares,stock,price cut,prices rise,prices fall,will retail for,set for,embargo,lays off,sued,discontinues,expands,votes to,announcement,reviews are in,critics,is planning,plans to,goes private,exits,rolling out to,take effect,takes effect,shipping starts,preorders open,has sold,have sold,sold over,sold more,units sold,copies sold,tickets sold,were sold,was sold,sold for,costs rose,rates expected}", kindNews, 0.7, false},

	// Questions about use, not about buying.
	{"{whats the best way,what s the best way,what is the best way}", kindSupport, 0.7, false},
	{"{how do i,how do you,how can i,how to,how long,how often,how many,why is,why does,why do,why won t,why wont,why are,what does,what causes,is it normal,is this normal,is it legal,can i,can my,do i need,does it,does the,does my,does anyone know how,does anyone know if,does anyone know why,does anyone know when,anyone know how,anyone know why,anyone know if,when did you,when should i,whats the difference,what s the difference,what is the difference,which side,curious what,curious how,just curious,not looking to buy,not in the market,is there a way,do we need,should early stage,quick poll}", kindSupport, 0.7, false},

	// "Looking for" about no product.
	{"{looking for,searching for,in the market for,looking 4,lookin for} {a job,work,friends,a friend,advice on,advice about,feedback,motivation,a word,my,buddies,hiking buddies,people,a partner,in a partner,a roommate,a cofounder,a co founder,volunteers,beta testers,testers,speakers,a mentor,inspiration,a nap,love,clients,a new job,an internship,a team}", kindNotBuying, 0.9, false},
	{"{any tips,tips on getting,advice on negotiating,what are you looking for,got an offer,got a job,got a full time,job offer,job offers,got promoted,the right community,a checklist,a template,courses to buy,got to the,got to my,worth it to,worth learning,worth watching,worth reading,worth the wait,worth noting,worth mentioning,worth taking,worth a shot,worth a try,worth a 2nd thought,worth a second look,fort worth,get any better,gets any better,get better,gets better}", kindNotBuying, 0.6, false},

	// Orders gone wrong: complaints and support cases, not leads.
	{"{hasnt arrived,has not arrived,havent arrived,still hasnt,still havent,never arrived,never came,never showed up,not arrived,still not here,still no sign,hasnt shipped,hasnt been delivered,havent received,have not received,didnt receive,didnt arrive,still waiting for my,still waiting on my,where is my,wheres my,where s my,lost my package,lost my order,wrong order,wrong item,arrived damaged,arrived broken,doesnt get here until,doesn t get here until,wont arrive until,won t arrive until,is ridiculous,dispatch time,push it back,pushed it back,got delayed,been delayed,is delayed,refund,refunding,my money back,customer service,customer support,please help,pls help,wont let me,won t let me,isnt letting me,not letting me,cant redeem,help me out,can help me,nothing happened,nothing changed,not working,doesnt work,stopped working}", kindComplaint, 0.8, false},

	// Not the author's purchase: gifts, prizes, free things.
	{"{won tickets,won tix,won a,won the,won 2,won two,won free,i won,we won,to win,chance to win,win tickets,win 2,win a,win free,for free,free for me,its free,it s free,its free,free download,free upgrade,free tickets,free ticket,free trial,surprised me with,got me,bought me,buy me,gave me,give me,gifted me,as a gift,a gift from,thanks for the ticket,thanks for the tickets,cheers for the ticket,got us,bought us,download free,got it free,got them free,can borrow,i can borrow,to borrow,borrow one,lend me}", kindGift, 0.8, false},
	{"{extra ticket,extra tickets,spare ticket,spare tickets,tickets for sale,ticket for sale,ticket for sell,tickets for sell,im selling,i am selling,were selling,selling my,selling two,selling 2,selling 3,selling 4,selling 1,selling tickets,selling extra,selling our,selling the,selling a,selling one,is selling,who wants,anyone want,anybody want,does anyone want,does anybody want,anyone need,does anyone need,anyone interested,anybody interested,if interested,if youre interested,if you re interested,if you want them,if you want it,if you need any,if you need one,if you need tickets,could be yours,can be yours,text me if,hmu if,let me know if you want,giving away,giveaway,get your tickets,get your ticket,grab your tickets,tickets on sale,tickets go on sale,tickets are on sale,tickets available,tickets are available,tickets still available,tickets are still available,book now,to book,book your,pre order here,preorder here,order here,order yours,reserve your,available for pre order,available for preorder,up for pre order,up for preorder,can be pre ordered,can be preordered}", kindPromo, 0.9, false},
	{"via", kindPromo, 0.6, false},
}

// negators negate a stage cue up to three words after them in a sentence.
var negators = map[string]bool{"not": true, "no": true, "never": true, "dont": true, "wont": true, "isnt": true,
	"arent": true, "didnt": true, "cant": true, "wouldnt": true, "shouldnt": true, "nope": true, "against": true,
	"without": true, "stop": true, "stopped": true, "shouldve": true, "wouldve": true, "couldve": true}

type intentCueSet struct {
	cues []phrase // one per expanded phrase
	ac   *automaton
}

var intentCueSet_ = sync.OnceValue(func() *intentCueSet {
	s := &intentCueSet{}
	var patterns []string
	seen := map[string]int{}
	for _, c := range intentCues {
		for _, p := range expandCue(c.expr) {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" {
				continue
			}
			if i, ok := seen[p]; ok {
				// A later cue of the same kind may weigh a phrase more:
				// "i need a new" beside "i need a".
				if d := &s.cues[i]; d.kind == c.kind && c.weight > d.weight {
					d.weight = c.weight
				}
				continue
			}
			seen[p] = len(s.cues)
			s.cues = append(s.cues, newPhrase(intentCue{expr: p, kind: c.kind, weight: c.weight, asks: c.asks}))
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
	var stageBuf, lookBuf [16]cueHit // on the stack for a post's usual few hits
	stages, lookAlikes := stageBuf[:0], lookBuf[:0]
	for _, h := range hits {
		c := cs.cues[h.cue]
		k, w := c.kind, c.weight
		if c.asks && !inQuestion(b, h.end-1) {
			continue
		}
		if c.ticket {
			tk, ok := ticketStage(b, h.start)
			if !ok {
				continue
			}
			k = tk
			if k == kindDeciding {
				w = 0.8
			}
		}
		if c.needsBuy && !purchaseContext(b, h.start, h.end) {
			continue
		}
		if k <= kindPurchased {
			if c.object && !(c.strong && timeAfter(b, h.end)) && !objectOK(b, h.end, k == kindPurchased, c.getVerb) || !subjectOK(c.subject, wordBefore(b, h.start)) ||
				k == kindPurchased && inQuestion(b, h.end-1) { // "got a project you want to work on?"
				continue
			}
			if c.choice && !choiceContext(b, h.start, h.end) {
				continue
			}
			covered := false
			for _, o := range notBuying {
				// "worth it to go for" holds "worth it to": a purchase weighed.
				if o.start < h.end-1 && o.end-1 > h.start && !(h.start <= o.start && o.end <= h.end && h.end-h.start > o.end-o.start) {
					covered = true
					break
				}
			}
			if covered {
				continue
			}
			if negatedAt(b, h.start) {
				k, w = kindRefusal, 0.6*w
			} else {
				stages = append(stages, h)
			}
		} else if k != kindRefusal && k != kindNotBuying {
			lookAlikes = append(lookAlikes, h)
			continue
		} else if k == kindNotBuying && insideLonger(cs, hits, h) {
			// "worth it to" in "worth it to go for": a purchase weighed.
			continue
		}
		if w > best[k] {
			best[k], bestCue[k], bestAsks[k] = w, h.cue, inQuestion(b, h.end-1)
		}
	}
	// A look-alike that shares words with a stage phrase of three words or
	// more is part of it ("to book" in "trying to book", "selling a" after
	// "if anyone is selling"), unless it holds the whole phrase: "whats the
	// difference" is a question about use, not "the difference" of two
	// products.
	for _, h := range lookAlikes {
		c := cs.cues[h.cue]
		inside := false
		for _, o := range stages {
			if cs.cues[o.cue].words >= 3 && o.start < h.end-1 && h.start < o.end-1 && !(h.start <= o.start && o.end <= h.end) {
				inside = true
				break
			}
		}
		if !inside && c.weight > best[c.kind] {
			best[c.kind], bestCue[c.kind], bestAsks[c.kind] = c.weight, h.cue, inQuestion(b, h.end-1)
		}
	}
	if w := optionsQuestion(b); w > best[kindComparing] && choiceContext(b, 0, 0) {
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
		damp(kindComplaint, 0.9)
		damp(kindGift, 0.8)
	case kindDeciding:
		damp(kindPromo, 0.5)
		damp(kindNews, 0.8)
		damp(kindGift, 0.6)
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
		if best[kindSeeking] < 0.75 || stageKind == kindComparing {
			// "I need a new iPod, I've had this one since 7th grade" replaces what one owns.
			damp(kindOwned, 0.6)
		}
		damp(kindPromo, 0.8)
		damp(kindNews, 0.8)
		if best[kindSeeking] < 0.75 || stageKind == kindComparing {
			damp(kindSupport, 0.8)
		}
		damp(kindComplaint, 0.5)
		damp(kindGift, 0.5)
	}
	damp(kindLaunch, 0.9)
	if stageKind <= kindComparing {
		damp(kindNotBuying, 0.6)
	}
	v.stage, v.score = kindStage[stageKind], clamp01(round3(score))
	return v
}

// insideLonger reports whether a stage phrase among hits holds h and is
// longer than it.
func insideLonger(cs *intentCueSet, hits []cueHit, h cueHit) bool {
	for _, o := range hits {
		if cs.cues[o.cue].kind <= kindPurchased && o.start <= h.start && h.end <= o.end && o.end-o.start > h.end-h.start {
			return true
		}
	}
	return false
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
			if j := strings.Index(sent, " or "); j >= 0 && len(strings.Fields(sent)) <= 14 && !asksOthers(sent) {
				after, _, _ := strings.Cut(sent[j+4:], " ")
				if !orNotOptions[after] {
					return 0.75
				}
			}
		}
		start = i + 2
	}
	return 0
}

// orNotOptions are the words after "or" that do not name an option: "or
// something else?" asks for options, "or will it be back?" and "or is it
// just me?" ask something else.
var orNotOptions = set("something", "anything", "not", "no", "nah", "other", "others", "will", "is", "are", "was",
	"were", "do", "does", "did", "can", "could", "would", "has", "have", "am", "just", "maybe")

// asksOthers reports whether a question is about what someone else did or
// does: "did you buy or rent?", "does he mean a tv or an ipad?".
func asksOthers(sent string) bool {
	f := strings.Fields(sent)
	if len(f) > 0 && (f[0] == "." || f[0] == "?") {
		f = f[1:]
	}
	// The first word may be a name the question is put to.
	for i := 0; i < 2 && i+1 < len(f); i++ {
		switch f[i] {
		case "did", "have", "are", "were", "does", "is", "was", "has":
			return thirdPerson[f[i+1]] || f[i+1] == "you"
		}
	}
	return false
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

// objectLast are the last words of the phrases whose object is checked:
// weak verbs ("get", "got", "going with", "sign") and the determiners after
// them ("i got a", "i need a").
var objectLast = set("get", "getting", "got", "grab", "grabbing", "grabbed", "with", "sign", "signing", "signed", "hire",
	"hired", "a", "an", "some", "new", "one", "someone", "something", "the", "my", "me", "it", "our", "this", "that", "them",
	"pick up", "picked up", "buy", "buying", "order", "ordering", "any", "anything", "good")

var verbs = set("get", "getting", "got", "grab", "grabbing", "grabbed", "with", "sign", "signing", "signed", "hire", "hired",
	"pick up", "picked up", "buy", "buying", "order", "ordering")

type subjectRule uint8

const (
	subjectNamed    subjectRule = iota // "i bought", "im getting": the author
	subjectAny                         // "going to get": the author only after a first person, a sentence start, "and so"…
	subjectNotThird                    // "bought the", "gonna get": anyone but a third person
)

// informal start plans that drop their subject: "gonna get", "tryna book".
var informal = set("gonna", "gotta", "wanna", "finna", "tryna", "trying", "tried", "try", "hoping", "hope", "cant",
	"cannot", "tempted", "so", "saving", "save", "imma", "ima", "just", "finally", "already", "and", "also",
	"impulsively", "actually", "definitely", "def")

// wantWords start seeking phrases that need their seeker: "he needs a",
// "if you are looking for".
var wantWords = set("need", "needs", "want", "wants", "looking", "searching", "shopping", "hunting", "lookin")

// noSubject start phrases that need no buyer before them: "tickets
// booked", "my order arrived", ". bought".
var noSubject = set(".", "?", "tickets", "tix", "flights", "flight", "seats", "hotel", "trip", "holiday", "vacation", "room",
	"my", "our", "arrived", "arrives", "should", "delivery", "check", "placed", "put", "paid", "signed", "drove", "came")

// firstWords start phrases that name their buyer.
var firstWords = set("i", "we", "im", "ive", "weve", "ill", "were", "id", "wed", "my", "our", "me", "us", "imma", "ima")

var getVerbs = set("get", "gets", "getting", "got", "gotten", "grab", "grabbed", "grabbing")

// strongVerbs say buying whatever follows them.
var strongVerbs = set("buy", "buying", "order", "ordering", "purchase", "preorder", "book", "booking")

// timeAfter reports whether a time follows i: "tomorrow", "on saturday".
func timeAfter(b []byte, i int) bool {
	w, next := wordAt(b, i)
	switch string(w) {
	case "on", "this", "next":
		w2, _ := wordAt(b, next)
		return days[string(w2)] || string(w) == "on" && string(w2) == "the" || string(w) != "on" && (string(w2) == "week" || string(w2) == "weekend")
	}
	return timeWords[string(w)]
}

var (
	days      = set("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "payday")
	timeWords = set("tomorrow", "tonight", "today", "tmrw", "tmr", "later", "soon", "now", "asap")
)

// needsBuyPhrases are about buying only beside a purchase word: "wish me
// luck" of an exam, "checked out" of a band.
var needsBuyPhrases = set("wish me luck", "final decision", "final answer", "dont talk me out", "checked out")

// purchaseContext reports whether a purchase word comes outside start–end.
func purchaseContext(b []byte, start, end int) bool {
	for i := 0; i < len(b); {
		w, next := wordAt(b, i)
		if len(w) == 0 {
			break
		}
		if (i < start || i >= end) && purchaseWords[string(w)] {
			return true
		}
		i = next
	}
	return false
}

// choicePhrases compare without saying what: they need a purchase context.
var choicePhrases = set("vs", "versus", "or the", "better", "the better", "much better", "really better", "that much better",
	"trying to decide", "cant decide", "can t decide", "considering it", "or should i", "or nah", "which is better",
	"which one is better", "thoughts ?", "help ?", "ideas ?", "advice ?", "more reliable", "is there a", "is there an",
	"is there any", "are there any", ". any", ". anything", ". good", ". which", ". something", "comparing")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func newPhrase(c intentCue) phrase {
	p := phrase{intentCue: c}
	words := strings.Fields(c.expr)
	for _, w := range words {
		if w != "." && w != "?" {
			p.words++
		}
	}
	if c.kind > kindPurchased {
		return p
	}
	last := words[len(words)-1]
	if len(words) >= 2 && last == "up" {
		last = words[len(words)-2] + " up"
	}
	// "what should i get?" asks for a product whatever follows.
	p.object = objectLast[last] && !(c.kind == kindSeeking && verbs[last])
	if (c.kind == kindDeciding || c.kind == kindPurchased || c.kind == kindSeeking && wantWords[words[0]]) && !noSubject[words[0]] {
		p.subject = subjectAny
		for _, w := range words[:min(3, len(words))] {
			if firstWords[w] {
				p.subject = subjectNamed
			}
		}
		// Past purchases and informal plans drop their subject ("and paid
		// for it", "gonna get the foams"): only a third person before
		// them says someone else's.
		if p.subject == subjectAny && (c.kind == kindPurchased || informal[words[0]]) {
			p.subject = subjectNotThird
		}
	}
	p.choice = choicePhrases[c.expr]
	p.ticket = ticketNouns[c.expr]
	p.needsBuy = needsBuyPhrases[c.expr]
	p.strong = strongVerbs[last]
	for _, w := range words {
		p.getVerb = p.getVerb || getVerbs[w]
	}
	return p
}

// wordAt is the word that starts at i in an intent text, and where the
// one after it starts. Words are byte slices of the text, looked up as
// m[string(w)] so that reading them allocates nothing.
func wordAt(b []byte, i int) ([]byte, int) {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' {
		j++
	}
	return b[i:j], j + 1
}

// wordBefore is the word that ends just before the space at i, skipping
// adverbs ("he will probably get"); "" at a sentence start.
func wordBefore(b []byte, i int) []byte {
	for i > 0 {
		j := i
		for j > 0 && b[j-1] != ' ' {
			j--
		}
		w := b[j:i]
		if string(w) == "." || string(w) == "?" {
			return nil
		}
		if !adverbs[string(w)] {
			return w
		}
		i = j - 1
	}
	return nil
}

var adverbs = set("just", "finally", "already", "really", "probably", "prolly", "totally", "actually", "still", "even",
	"only", "all", "both", "ever", "soon", "surely", "am", "are", "is", "was", "be", "been", "may", "might", "will",
	"would", "could", "should", "can", "do", "does", "did", "likely", "reportedly", "apparently", "now", "then", "jus",
	"juss", "probs", "def", "definitely", "prolly")

// subjectOK reports whether the word before a phrase that names no buyer
// makes the author the buyer: a first person, the start of a sentence, a
// conjunction or an interjection ("so gonna get", "ok ordering it"), or
// the author's household ("my mom bought the tickets" counts). Anything
// else is someone else: "he needs a", "Milan want to sign", "Monsanto may
// be about to buy", "you need to get".
func subjectOK(r subjectRule, w []byte) bool {
	switch r {
	case subjectAny:
		return len(w) == 0 || subjects[string(w)]
	case subjectNotThird:
		return !thirdPerson[string(w)]
	}
	return true
}

// thirdPerson are subjects that are not the author.
var thirdPerson = set("he", "she", "they", "it", "who", "which", "you", "u", "ya", "yall", "ye", "people", "fans",
	"everyone", "everybody", "anyone", "anybody", "someone", "somebody", "nobody", "hell", "shell", "theyll", "youll",
	"hes", "shes", "theyre", "youre", "ur", "club", "team", "company", "fan", "guy", "man", "girl", "boy", "friend",
	"friends", "bf", "gf", "boyfriend", "girlfriend", "dude", "bro", "folks", "customers", "buyers", "investors", "firm",
	"government", "city", "side", "manager", "coach", "player", "players", "celebs", "others", "twitter", "apple",
	"google", "amazon", "microsoft", "facebook", "oracle", "samsung", "sony", "that", "whoever", "her", "him", "his",
	"their", "them", "has", "cousin", "cousins", "sister", "sis", "brother", "aunt", "uncle", "grandma", "gran", "nan",
	"niece", "nephew", "bestie", "roommate", "son", "daughter")

var subjects = set("i", "we", "im", "ive", "weve", "ill", "id", "were", "wed", "me", "myself", "my", "our", "us", "and", "so",
	"but", "then", "now", "also", "maybe", "today", "tonight", "tomorrow", "yesterday", "lol", "lmao", "ok", "okay", "yes",
	"yeah", "yay", "guess", "think", "hopefully", "welp", "well", "omg", "ugh", "hey", "hi", "haha", "imma", "ima", "finally",
	"mom", "mum", "dad", "mother", "father", "wife", "husband", "hubby", "parents", "family", "officially", "gonna", "gotta",
	"thus", "anyway", "anyways", "btw", "literally", "seriously", "honestly", "definitely", "def", "kinda", "sorta",
	"or", "plus", "because", "cause", "bc", "since", "till", "until", "when", "if", "to")

// notObject are the words after a weak verb that say it is not about
// buying: "getting ready", "get beat", "got to go", "going with me".
var notObject = set(".", "?", "ready", "old", "older", "up", "out", "in", "into", "on", "off", "over", "at", "to", "back",
	"home", "there", "here", "away", "through", "rid", "around", "by", "better", "worse", "sick", "ill", "hurt", "married",
	"drunk", "high", "lucky", "bored", "tired", "dressed", "started", "going", "paid", "beat", "his", "he",
	"she", "u", "ur", "your", "yourself", "enough", "so", "too", "really", "very", "what", "when", "if", "because",
	"cause", "bc", "like", "used", "along", "together", "involved", "close", "closer", "done", "serious", "real", "right",
	"wrong", "told", "mad", "angry", "excited", "hyped", "emotional", "nervous", "scared", "used", "sleep", "rest", "some",
	"lit", "turnt", "wasted", "crazy", "fat", "skinny", "fit", "healthy", "big", "bigger", "much", "more", "less", "everyone",
	"everybody", "people", "friends", "family", "mom", "dad", "mum", "ya", "yall", "no", "strong", "round", "weird", "ugly",
	"interesting", "worse", "threw", "thru", "blame", "credit", "arse", "ass", "butt", "act", "shit", "name", "award", "going", "married",
	"super", "hype", "fed", "down")

// indirect objects come before what is bought for them.
var indirect = set("him", "her", "you", "them", "me", "us", "myself", "ourselves")

// objectDeterminers may come between a weak verb and its object.
var objectDeterminers = set("a", "an", "the", "my", "our", "some", "one", "two", "this", "that", "these", "those", "new",
	"me", "us", "myself", "any", "another", "a new", "2", "3", "4", "1st", "2nd", "3rd", "first", "second", "few")

// notProducts are what one gets without buying it, or buys in passing:
// "got a job", "need a ride", "get some rest", "got my nails done".
var notProducts = set("job", "jobs", "call", "text", "email", "message", "chance", "shot", "start", "rest", "sleep", "nap",
	"break", "life", "ride", "lift", "date", "hug", "kiss", "feeling", "vibe", "idea", "clue", "grip", "look", "glimpse",
	"taste", "point", "win", "goal", "goals", "lead", "head", "hand", "offer", "interview", "reply", "answer", "response",
	"letter", "invite", "invitation", "notification", "tan", "virus", "cold", "flu", "headache", "degree", "grade",
	"promotion", "raise", "paycheck", "refund", "autograph", "selfie", "picture", "photo", "pic", "pics", "follow",
	"followback", "rt", "retweet", "shoutout", "shout", "kick", "laugh", "drink", "drinks", "coffee", "pizza", "food",
	"lunch", "dinner", "breakfast", "ice", "icecream", "candy", "beer", "beers", "snack", "snacks", "donuts", "chance",
	"friend", "friends", "boyfriend", "girlfriend", "bf", "gf", "man", "woman", "girl", "guy", "boy", "person", "partner",
	"husband", "wife", "baby", "kid", "dog", "puppy", "cat", "hair", "nails", "black", "bruise", "cut", "haircut", "grip",
	"change", "party", "vacation", "holiday", "day", "night", "weekend", "week", "year", "lot", "bit", "little",
	"win", "victory", "loss", "point", "points", "run", "runs", "hit", "touchdown", "start", "starts", "spot", "place",
	"vote", "votes", "say", "word", "words", "second", "minute", "moment", "time", "way", "step", "move", "decision",
	"feel", "shower", "bath", "workout", "test", "exam", "result", "results", "score", "fine", "penalty",
	"yellow", "red", "warning", "sunburn", "hangover", "nights", "grief", "morning", "luck", "questions", "question",
	"news", "update", "updates", "excuse", "arse", "ass", "butt", "act", "shit", "name", "award", "blame", "credit", "field",
	"lullaby", "tease", "wardrobe", "performance", "alumni", "pieces", "advice", "rotation", "striker", "player",
	"players", "mind", "brain", "heart", "nightguard", "gas", "dm", "dms", "present", "presents", "gift", "gifts", "blues",
	"pick", "picks", "crush", "supply", "acceptance", "slot", "opening", "piece", "statement", "article", "rematch", "magic",
	"challenge", "help", "conflicts", "rewrite", "recipe", "referral", "hour", "hours", "fastball", "guesses", "chances",
	"favor", "favour", "miracle", "dunkin", "starbucks", "latte", "slurpee", "steak", "chicken", "nuggets", "fries",
	"burger", "burgers", "tacos", "donut", "doughnut", "doughnuts", "bagel", "sandwich", "wine", "crumpets", "chocolate",
	"cake", "milkshake", "smoothie", "tea", "juice", "water", "liver")

// objectOK reports whether the words after a weak verb or determiner,
// starting at i, read as something bought. After "get" or "got"
// (getVerb), the words after the object may make it a phrasal verb
// (objectKept); past: the phrase reports a purchase ("got a"), so a time to
// come after its object is a fixture: "got a game tomorrow".
func objectOK(b []byte, i int, past, getVerb bool) bool {
	w, next := wordAt(b, i)
	if pronouns[string(w)] {
		// "who's going to get one?", "im getting it wednesday"; not "get it
		// off", "got it done".
		w2, _ := wordAt(b, next)
		return !getVerb || !particles[string(w2)] && !passive(w2)
	}
	if notObject[string(w)] || notProducts[string(w)] || ordinal(w) && !possessiveBefore(b, i) {
		// "got the 7th pick", not "got my 2nd pair".
		return false
	}
	if indirect[string(w)] {
		// "get him the ps5", not "sign him" or "going with me".
		w, next = wordAt(b, next)
		if !objectDeterminers[string(w)] {
			return false
		}
	}
	if objectDeterminers[string(w)] {
		w2, next2 := wordAt(b, next)
		for objectDeterminers[string(w2)] || adjectives[string(w2)] {
			w2, next2 = wordAt(b, next2)
		}
		// "got the 7th pick", "got a solo dm".
		if notProducts[string(w2)] || notObject[string(w2)] || string(w2) == "to" || ordinal(w2) {
			return false
		}
		w3, _ := wordAt(b, next2)
		if notProducts[string(w3)] {
			return false
		}
		return !getVerb || objectKept(b, next2, past, string(w2) == "order")
	}
	// "get owned", "got tagged", "get destroyed": a passive, not a purchase;
	// "got the cutest present", "need some sunday magic".
	if w2, _ := wordAt(b, next); passive(w) || notProducts[string(w2)] {
		return false
	}
	return !getVerb || objectKept(b, next, past, false)
}

// objectKept reports whether the two words after an object, from i, leave
// it a purchase: not "got my nails done", "get my bike out", "got the
// pieces back", "got the wax flushed", nor (past) "got an 8am tomorrow".
// "got my order in" is an order placed.
func objectKept(b []byte, i int, past, order bool) bool {
	for n := 0; n < 2; n++ {
		w, next := wordAt(b, i)
		if len(w) == 0 || string(w) == "." || string(w) == "?" {
			return true
		}
		if n == 0 && particles[string(w)] && !(order && string(w) == "in") || passive(w) {
			return false
		}
		if past && n == 0 && futureTime[string(w)] {
			return false
		}
		i = next
	}
	return true
}

// possessiveBefore reports whether the word before i is "my" or "our".
func possessiveBefore(b []byte, i int) bool {
	j := i - 1
	for j > 0 && b[j-1] != ' ' {
		j--
	}
	w := string(b[max(j, 0) : i-1])
	return w == "my" || w == "our"
}

// passive reports whether a word reads as a past participle: "owned",
// "washed", "signed" (not "bed", "red").
func passive(w []byte) bool {
	return len(w) > 4 && w[len(w)-2] == 'e' && w[len(w)-1] == 'd' || participles[string(w)]
}

// ordinal reports whether a word is an ordinal or a time: "7th", "2nd",
// "8am" (a place, a pick, a class; not "4" or "ps4").
func ordinal(w []byte) bool {
	if len(w) < 3 || w[0] < '0' || w[0] > '9' {
		return false
	}
	switch string(w[len(w)-2:]) {
	case "th", "st", "nd", "rd", "am", "pm":
		return true
	}
	return false
}

// particles after an object make the verb a phrasal one ("get it off",
// "got the bike out"); participles and futureTime as objectKept says.
var (
	particles   = set("off", "out", "back", "up", "in", "over", "together", "through", "around", "down", "ready", "done", "fixed", "sorted", "working", "running", "wrong", "right", "cut", "made", "set")
	participles = set("done", "cut", "fixed", "made", "set", "shut", "fed", "hurt", "paid", "sent", "built", "lost", "stolen", "broken", "taken")
	futureTime  = set("tomorrow", "tonight", "tmrw", "tmr", "tomoz", "next")
)

// pronouns stand for a product already named.
var pronouns = set("it", "one", "them", "those", "these")

// adjectives may come between a determiner and its object.
var adjectives = set("good", "nice", "great", "little", "big", "cheap", "decent", "proper", "real", "whole", "brand",
	"extra", "couple", "pair", "of", "lot", "last", "next", "final", "medium", "large", "small")

// purchaseWords say a comparison is about buying; choiceWords (and
// product names) say someone chooses, which is about buying unless
// eventWords say it is a fixture, a fight, a show or a vote.
var (
	purchaseWords = set("buy", "buying", "bought", "purchase", "purchasing", "order", "ordering", "price", "prices",
		"priced", "cheaper", "expensive", "cost", "costs", "dollars", "bucks", "afford", "upgrade", "upgrading",
		"budget", "spend", "spending", "quote", "quotes", "subscription", "gb", "tb")
	choiceWords = set("which", "choose", "pick", "decide", "deciding", "recommend", "reliable", "prefer", "should",
		"between", "need", "looking", "cheap", "value", "worth", "phone", "laptop", "camera", "tv", "console",
		"headphones", "earbuds", "tablet", "plan", "deal", "model", "version", "money", "options", "switch", "switching",
		"app", "apps", "tool", "tools", "service", "brand", "store", "shop", "site", "website", "best", "good", "decent",
		"alternative", "alternatives", "recommendations", "recs", "suggestions", "software", "crm", "platform", "vpn",
		"mattress", "chair", "desk", "monitor", "router", "printer", "tent", "car", "bike", "ebike", "stroller", "vacuum",
		"drone", "lens", "keyboard", "mouse", "provider", "company", "watch", "shoes", "jacket", "bag", "charger", "case")
	eventWords = set("game", "games", "match", "matches", "fight", "fights", "bout", "vote", "voting", "debate", "win",
		"wins", "winner", "won", "beat", "beats", "season", "title", "championship", "tonight", "live", "watch",
		"watching", "score", "round", "raw", "summerslam", "ufc", "wwe", "nfl", "nba", "mlb", "league", "cup", "derby",
		"election", "poll", "president", "team", "play", "playing", "kickoff", "final", "semi", "finals", "evicted",
		"tournament", "race", "fixture", "stadium", "goal", "goals", "saturday", "sunday", "monday", "tuesday",
		"wednesday", "thursday", "friday", "tomorrow", "who", "episode", "show", "start", "channel", "inning", "movie",
		"song", "album", "funnier", "opinion", "hate", "love", "movies", "films", "film", "mound", "pitch", "whos",
		"tip", "televised", "rescheduled", "preview", "qtr", "quarter", "mins", "gate", "schedule", "schedules", "case")
	forWhat = set("a", "an", "my", "our", "me", "us", "work", "school", "home", "gaming", "travel", "office")
)

// choiceContext reports whether a post's comparison is about buying: a
// purchase word (unless the post is about a fixture: "David Price will
// take the mound Friday vs the Yankees"), or a choice word and no event.
// The words of the comparison's own phrase, from start to end, do not
// count ("decide" in "trying to decide").
func choiceContext(b []byte, start, end int) bool {
	purchase, choice, event := false, false, 0
	var prev []byte
	for i := 0; i < len(b); {
		w, next := wordAt(b, i)
		if len(w) == 0 {
			break
		}
		if i < start || i >= end {
			switch {
			case purchaseWords[string(w)]:
				purchase = true
			case choiceWords[string(w)], string(prev) == "for" && forWhat[string(w)]: // "for a 12 year old", "for the office"
				choice = true
			case eventWords[string(w)]:
				event++
			}
		}
		prev, i = w, next
	}
	return purchase && event < 2 || choice && event == 0
}
