"""Data tables for :mod:`streams.synth_newsroom`: news clusters, entities, accounts.

Everything here is plain data.  Multilingual names are written ``"en|fr|zh"``
(an empty French part means "same as English"); word lists are ``"a; b; c"``
strings, one per language.  :mod:`streams.synth_newsroom` turns them into
tuples.

Rules the tables keep (checked by ``tests/test_synth_newsroom.py``):

* a cluster's words, lines and subtypes exist in English, French and Chinese;
* lines only use the slots listed in :data:`SLOTS`;
* Chinese text is written without spaces.
"""

from __future__ import annotations

LANGS = ("en", "fr", "zh")
#: Main language of a story (before the second-language facets).
STORY_LANGS = {"en": 0.60, "fr": 0.25, "zh": 0.15}
#: UTC offset (hours) of each language's audience: their night is the stream's quiet time.
UTC_OFFSET = {"en": -5, "fr": 1, "zh": 8}

#: Template slots a line may use.
SLOTS = ("who", "who2", "where", "where2", "obj", "item", "num", "kind", "league", "what", "x", "cw")

# ---------------------------------------------------------------------------
# accounts and communities: (name, share of authors, language mix, topics it follows)
# ---------------------------------------------------------------------------

COMMUNITIES = (
    ("us-politics", 0.11, {"en": 1.0}, ("politics", "world", "crime")),
    ("us-local", 0.13, {"en": 0.96, "fr": 0.04}, ("weather", "crime", "disaster", "accident", "health")),
    ("uk", 0.10, {"en": 0.94, "fr": 0.06}, ("politics", "sports", "business", "society")),
    ("sports-en", 0.09, {"en": 0.90, "fr": 0.10}, ("sports",)),
    ("tech-business", 0.08, {"en": 0.80, "zh": 0.10, "fr": 0.10}, ("business", "science")),
    ("culture-en", 0.06, {"en": 1.0}, ("culture",)),
    ("fr-actu", 0.13, {"fr": 0.92, "en": 0.08},
     ("politics", "society", "crime", "weather", "disaster", "accident", "health")),
    ("fr-sport", 0.05, {"fr": 0.95, "en": 0.05}, ("sports", "culture")),
    ("zh-news", 0.12, {"zh": 0.96, "en": 0.04},
     ("world", "disaster", "weather", "accident", "health", "crime", "society")),
    ("zh-tech", 0.05, {"zh": 0.85, "en": 0.15}, ("business", "science", "sports", "culture")),
    ("intl", 0.08, {"en": 0.60, "fr": 0.20, "zh": 0.20}, ("world", "disaster", "health", "science")),
)

#: Handles of news accounts: prefix + suffix (a few get a number).
NEWS_HANDLES = {
    "en": (("Breaking", "World", "Daily", "Metro", "Global", "City", "Nation", "Live", "First", "Wire",
            "Coast", "Capital", "Morning", "Evening", "Public", "Union", "Frontline", "Open"),
           ("News", "Desk", "Report", "Wire", "Times", "Post", "Live", "Today", "Now", "Herald", "Watch",
            "Bulletin", "Journal", "Tribune")),
    "fr": (("Actu", "Info", "LeFil", "Direct", "France", "Regions", "Flash", "Journal", "Depeche",
            "Quotidien", "Matin", "Soir", "Alerte"),
           ("Info", "Actu", "Direct", "24", "Monde", "Express", "Hebdo", "Live", "France", "Presse")),
    "zh": (("Xinwen", "Kuaixun", "Toutiao", "Redian", "Shishi", "Zhibo", "Caijing", "Tiyu", "Keji",
            "Difang", "Huanqiu", "Dushi"),
           ("News", "24h", "Daily", "Now", "Wang", "Pindao", "Kuaibao", "Zixun", "Guancha")),
}
#: Pieces of everyday handles.
HANDLE_LATIN_FIRST = ("alex", "sam", "jess", "mike", "chris", "kate", "tom", "lucy", "ben", "emma", "nick",
                      "sara", "dan", "amy", "joe", "liz", "matt", "anna", "josh", "ella", "ryan", "zoe",
                      "marie", "julien", "camille", "lea", "theo", "manon", "hugo", "chloe", "louis", "ines",
                      "nathan", "clara", "maxime", "lucie", "antoine", "pauline", "romain", "margaux")
HANDLE_LATIN_LAST = ("smith", "jones", "brown", "taylor", "walker", "wright", "green", "hall", "wood",
                     "clarke", "hughes", "price", "bell", "ward", "cox", "reed", "martin", "bernard",
                     "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy", "moreau", "simon",
                     "laurent", "lefebvre", "michel", "garcia", "roux", "fournier", "girard", "bonnet")
HANDLE_PINYIN = ("xiao", "wang", "li", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu",
                 "sun", "hu", "zhu", "gao", "lin", "he", "guo", "ma", "luo", "liang", "song", "zheng", "xie",
                 "han", "tang", "feng", "yu", "dong", "yue", "mei", "hua", "ming", "jie", "lei", "fang",
                 "ying", "tian", "yun", "xin", "chun", "long", "hao", "bo", "qing", "yi", "ning")
NEWS_SOURCES = (("TweetDeck", 0.45), ("Twitter Web App", 0.30), ("SocialFlow", 0.15), ("Buffer", 0.10))

# ---------------------------------------------------------------------------
# people and places
# ---------------------------------------------------------------------------

FIRST_NAMES = (
    "Elena|埃琳娜", "James|詹姆斯", "Maria|玛丽亚", "David|戴维", "Sarah|萨拉", "Michael|迈克尔", "Laura|劳拉",
    "Daniel|丹尼尔", "Claire|克莱尔", "Thomas|托马斯", "Anna|安娜", "Paul|保罗", "Julia|朱莉娅", "Marc|马克",
    "Sophie|索菲", "Lucas|卢卡斯", "Emma|埃玛", "Hugo|雨果", "Nadia|娜迪亚", "Victor|维克多", "Helen|海伦",
    "Peter|彼得", "Karen|卡伦", "Samuel|塞缪尔", "Alice|爱丽丝", "Omar|奥马尔", "Rosa|罗莎", "Ivan|伊万",
    "Grace|格蕾丝", "Leon|莱昂", "Chloe|克洛伊", "Felix|费利克斯", "Ines|伊内丝", "Oscar|奥斯卡", "Mia|米娅",
    "Adam|亚当", "Lena|莉娜", "Marco|马尔科", "Nora|诺拉", "Ethan|伊森", "Camille|卡米耶", "Antoine|安托万",
    "Amara|阿玛拉", "Jonas|约纳斯", "Rachel|雷切尔", "Kofi|科菲", "Isabel|伊莎贝尔", "Mateo|马特奥",
    "Hannah|汉娜", "Yusuf|优素福",
)
SURNAMES = (
    "Marsh|马什", "Okafor|奥卡福", "Duval|杜瓦尔", "Lindqvist|林德奎斯特", "Moreau|莫罗", "Bennett|贝内特",
    "Castillo|卡斯蒂略", "Hartley|哈特利", "Fischer|菲舍尔", "Reyes|雷耶斯", "Whitaker|惠特克", "Lambert|朗贝尔",
    "Sokolov|索科洛夫", "Garnier|加尼耶", "Holloway|霍洛韦", "Mendes|门德斯", "Brennan|布伦南", "Rousseau|卢梭",
    "Kowalski|科瓦尔斯基", "Adeyemi|阿德耶米", "Fontaine|方丹", "Harrington|哈林顿", "Vasquez|巴斯克斯",
    "Thornton|桑顿", "Leclerc|勒克莱尔", "Albrecht|阿尔布雷希特", "Carver|卡弗", "Delacroix|德拉克鲁瓦",
    "Ferreira|费雷拉", "Gallagher|加拉格尔", "Haddad|哈达德", "Jansen|扬森", "Keller|凯勒", "Laurent|洛朗",
    "Mercier|梅西耶", "Novak|诺瓦克", "Osei|奥塞", "Petrov|彼得罗夫", "Quinn|奎因", "Rahman|拉赫曼",
    "Ulrich|乌尔里希", "Vidal|维达尔", "Walsh|沃尔什", "Yilmaz|耶尔马兹", "Barrow|巴罗", "Caldwell|考德威尔",
    "Dumont|杜蒙", "Ellison|埃利森", "Faure|福尔", "Hughes|休斯", "Ibarra|伊巴拉", "Jensen|延森", "Kemp|肯普",
    "Lowell|洛厄尔", "Monroe|门罗", "Navarro|纳瓦罗", "Olsen|奥尔森", "Pryce|普赖斯", "Renaud|勒诺",
    "Sutton|萨顿", "Tremblay|特伦布莱", "Vance|万斯", "Webb|韦布", "Aubry|奥布里", "Bertrand|贝特朗",
)
ZH_FAMILY = ("Wang|王", "Li|李", "Zhang|张", "Liu|刘", "Chen|陈", "Yang|杨", "Zhao|赵", "Huang|黄", "Zhou|周",
             "Wu|吴", "Xu|徐", "Sun|孙", "Hu|胡", "Zhu|朱", "Gao|高", "Lin|林", "He|何", "Guo|郭", "Ma|马",
             "Luo|罗", "Liang|梁", "Song|宋", "Zheng|郑", "Xie|谢", "Han|韩", "Tang|唐", "Feng|冯", "Deng|邓",
             "Cao|曹", "Peng|彭")
ZH_GIVEN = ("Wei|伟", "Fang|芳", "Na|娜", "Min|敏", "Jing|静", "Lei|磊", "Qiang|强", "Jun|军", "Yang|洋",
            "Yong|勇", "Yan|艳", "Jie|杰", "Tao|涛", "Ming|明", "Chao|超", "Xia|霞", "Ping|平", "Gang|刚",
            "Hui|慧", "Lin|琳", "Haoran|浩然", "Zixuan|子轩", "Yuxuan|雨萱", "Jiahao|嘉豪", "Xinyi|欣怡",
            "Zhiwei|志伟", "Guoqiang|国强", "Jianhua|建华", "Xiaoming|晓明", "Wenjing|文静", "Yifan|一帆",
            "Ruoxi|若曦")

#: Cities by region; English-speaking stories use "us" or "uk".
CITIES = {
    "us": ("Denver||丹佛", "Phoenix||菲尼克斯", "Atlanta||亚特兰大", "Detroit|Détroit|底特律",
           "Milwaukee||密尔沃基", "Philadelphia|Philadelphie|费城", "Pittsburgh||匹兹堡",
           "Las Vegas||拉斯维加斯", "Charlotte||夏洛特", "Columbus||哥伦布", "Des Moines||得梅因", "Reno||里诺",
           "Houston||休斯敦", "Chicago||芝加哥", "Seattle||西雅图", "Boston||波士顿", "Dallas||达拉斯",
           "San Diego||圣迭戈", "Portland||波特兰", "Nashville||纳什维尔", "Cleveland||克利夫兰",
           "Sacramento||萨克拉门托", "Minneapolis||明尼阿波利斯", "Baltimore||巴尔的摩"),
    "uk": ("Manchester||曼彻斯特", "Leeds||利兹", "Bristol||布里斯托尔", "Glasgow||格拉斯哥", "Cardiff||加的夫",
           "Birmingham||伯明翰", "Sheffield||谢菲尔德", "Newcastle||纽卡斯尔", "Edinburgh|Édimbourg|爱丁堡",
           "Belfast||贝尔法斯特", "Nottingham||诺丁汉", "Southampton||南安普敦", "Leicester||莱斯特"),
    "fr": ("Lyon||里昂", "Marseille||马赛", "Toulouse||图卢兹", "Nantes||南特", "Bordeaux||波尔多", "Lille||里尔",
           "Strasbourg||斯特拉斯堡", "Rennes||雷恩", "Montpellier||蒙彼利埃", "Nice||尼斯", "Grenoble||格勒诺布尔",
           "Rouen||鲁昂", "Dijon||第戎", "Paris||巴黎", "Toulon||土伦", "Reims||兰斯", "Le Mans||勒芒",
           "Clermont-Ferrand||克莱蒙费朗", "Perpignan||佩皮尼昂", "Metz||梅斯", "Avignon||阿维尼翁",
           "Brussels|Bruxelles|布鲁塞尔", "Liège||列日", "Geneva|Genève|日内瓦", "Lausanne||洛桑",
           "Montreal|Montréal|蒙特利尔"),
    "zh": ("Shenzhen||深圳", "Chengdu||成都", "Wuhan||武汉", "Hangzhou||杭州", "Nanjing|Nankin|南京",
           "Xi'an||西安", "Chongqing||重庆", "Tianjin||天津", "Guangzhou|Canton|广州", "Shanghai||上海",
           "Beijing|Pékin|北京", "Suzhou||苏州", "Qingdao||青岛", "Kunming||昆明", "Harbin||哈尔滨",
           "Changsha||长沙", "Zhengzhou||郑州", "Shenyang||沈阳", "Dalian||大连", "Jinan||济南", "Hefei||合肥",
           "Nanning||南宁", "Lanzhou||兰州", "Taiyuan||太原"),
}
#: Regions for wildfires, floods, heatwaves...
REGIONS = {
    "en": ("California||加利福尼亚", "Oregon||俄勒冈", "Colorado||科罗拉多", "Texas||得克萨斯", "Arizona||亚利桑那",
           "Montana||蒙大拿", "British Columbia|Colombie-Britannique|不列颠哥伦比亚", "Alberta||艾伯塔",
           "Queensland||昆士兰", "New South Wales|Nouvelle-Galles du Sud|新南威尔士", "Yorkshire||约克郡",
           "Cumbria||坎布里亚", "Kentucky||肯塔基", "Vermont||佛蒙特", "Utah||犹他"),
    "fr": ("Var||瓦尔省", "Gironde||吉伦特省", "Provence||普罗旺斯", "Corsica|Corse|科西嘉", "Savoie||萨瓦省",
           "Brittany|Bretagne|布列塔尼", "Hérault||埃罗省", "Landes||朗德省", "Ardèche||阿尔代什省",
           "Pas-de-Calais||加来海峡省", "Wallonia|Wallonie|瓦隆", "Valais||瓦莱州", "Aude||奥德省",
           "Alpes-Maritimes||滨海阿尔卑斯省"),
    "zh": ("Sichuan||四川", "Yunnan||云南", "Guangxi||广西", "Hunan||湖南", "Henan||河南", "Gansu||甘肃",
           "Inner Mongolia|Mongolie-Intérieure|内蒙古", "Heilongjiang||黑龙江", "Guizhou||贵州", "Jiangxi||江西",
           "Zhejiang||浙江", "Hubei||湖北", "Shaanxi||陕西", "Xinjiang||新疆"),
}
#: Storm basins by home language: the storm word, storm names, coastal places.
BASINS = {
    "en": ({"kind": "hurricane|ouragan|飓风",
            "names": ("Delia||黛莉亚", "Marco||马尔科", "Ingrid||英格丽德", "Tobias||托比亚斯", "Nadine||娜丁",
                      "Rafael||拉斐尔", "Kirk||柯克", "Leslie||莱斯莉", "Patty||帕蒂", "Valerie||瓦莱丽",
                      "Isaac||艾萨克", "Joyce||乔伊斯", "Gordon||戈登", "Francine||弗朗辛", "Ernesto||埃内斯托",
                      "Wendell||温德尔", "Priscilla||普丽西拉", "Hector||赫克托", "Bianca||比安卡"),
            "coast": ("Florida Keys|Keys de Floride|佛罗里达群岛", "Tampa||坦帕", "Miami||迈阿密",
                      "New Orleans|La Nouvelle-Orléans|新奥尔良", "Galveston||加尔维斯顿", "Charleston||查尔斯顿",
                      "Savannah||萨凡纳", "Wilmington||威尔明顿", "Corpus Christi||科珀斯克里斯蒂",
                      "Pensacola||彭萨科拉", "Havana|La Havane|哈瓦那", "Nassau||拿骚", "Kingston||金斯敦",
                      "San Juan||圣胡安", "Cancún||坎昆", "Outer Banks||外滩群岛")},),
    "fr": ({"kind": "storm|tempête|风暴",
            "names": ("Aline||阿琳", "Bastien||巴斯蒂安", "Capucine||卡皮西娜", "Domitille||多米蒂耶",
                      "Eliott||埃利奥特", "Fabienne||法比安娜", "Gaspard||加斯帕尔", "Hortense||奥尔唐斯",
                      "Isidore||伊西多尔", "Jeanne||让娜", "Léandre||莱昂德尔", "Margot||玛戈"),
            "coast": ("Brest||布雷斯特", "Quimper||坎佩尔", "Lorient||洛里昂", "La Rochelle||拉罗谢尔",
                      "Biarritz||比亚里茨", "Cherbourg||瑟堡", "Saint-Malo||圣马洛", "Le Havre||勒阿弗尔",
                      "Bayonne||巴约讷", "Ajaccio||阿雅克肖", "Finistère||菲尼斯泰尔", "Vendée||旺代",
                      "Dunkirk|Dunkerque|敦刻尔克")},
           {"kind": "hurricane|ouragan|飓风",
            "names": ("Armelle||阿尔梅勒", "Baptiste||巴蒂斯特", "Céleste||塞莱斯特", "Dorothée||多萝泰",
                      "Firmin||菲尔明", "Honorine||奥诺丽娜"),
            "coast": ("Pointe-à-Pitre||皮特尔角城", "Basse-Terre||巴斯特尔", "Fort-de-France||法兰西堡",
                      "Martinique||马提尼克", "Guadeloupe||瓜德罗普", "Saint-Martin||圣马丁",
                      "Saint-Barthélemy||圣巴泰勒米", "Marie-Galante||玛丽加朗特")}),
    "zh": ({"kind": "typhoon|typhon|台风",
            "names": ("Haikui||海葵", "Koinu||小犬", "Doksuri||杜苏芮", "Saola||苏拉", "Khanun||卡努",
                      "Bolaven||布拉万", "Mawar||玛娃", "Talim||泰利", "Yagi||摩羯", "Bebinca||贝碧嘉",
                      "Pulasan||普拉桑", "Krathon||山陀儿", "Usagi||天兔", "Kalmaegi||海鸥", "Mangkhut||山竹"),
            "coast": ("Guangdong||广东", "Zhanjiang||湛江", "Shenzhen||深圳", "Hong Kong||香港", "Hainan||海南",
                      "Sanya||三亚", "Haikou||海口", "Fujian||福建", "Xiamen||厦门", "Fuzhou||福州",
                      "Wenzhou||温州", "Taiwan|Taïwan|台湾", "Okinawa||冲绳", "Shantou||汕头", "Zhuhai||珠海",
                      "Ningbo||宁波")},),
}
#: Earthquake zones by home language: (country or province, its cities).
QUAKE_ZONES = {
    "en": (("Turkey|Turquie|土耳其", ("Izmir||伊兹密尔", "Malatya||马拉蒂亚", "Antakya||安塔基亚")),
           ("Japan|Japon|日本", ("Sendai||仙台", "Kumamoto||熊本", "Kanazawa||金泽")),
           ("Chile|Chili|智利", ("Valparaíso|Valparaiso|瓦尔帕莱索", "Concepción||康塞普西翁")),
           ("Mexico|Mexique|墨西哥", ("Oaxaca||瓦哈卡", "Acapulco||阿卡普尔科")),
           ("Indonesia|Indonésie|印度尼西亚", ("Sulawesi|Célèbes|苏拉威西", "Lombok||龙目岛")),
           ("Nepal|Népal|尼泊尔", ("Pokhara||博卡拉", "Gorkha||廓尔喀")),
           ("Peru|Pérou|秘鲁", ("Arequipa||阿雷基帕", "Cusco|Cuzco|库斯科")),
           ("Iran||伊朗", ("Kerman||克尔曼", "Bam||巴姆")),
           ("Philippines||菲律宾", ("Mindanao||棉兰老岛", "Davao||达沃")),
           ("New Zealand|Nouvelle-Zélande|新西兰", ("Christchurch||克赖斯特彻奇", "Wellington||惠灵顿")),
           ("Ecuador|Équateur|厄瓜多尔", ("Guayaquil||瓜亚基尔", "Manta||曼塔"))),
    "fr": (("Morocco|Maroc|摩洛哥", ("Marrakesh|Marrakech|马拉喀什", "Al Haouz||豪兹")),
           ("Algeria|Algérie|阿尔及利亚", ("Boumerdès||布米尔达斯", "Chlef||谢利夫")),
           ("Haiti|Haïti|海地", ("Jérémie||热雷米", "Les Cayes||莱凯")),
           ("Italy|Italie|意大利", ("Perugia|Pérouse|佩鲁贾", "L'Aquila||拉奎拉")),
           ("Greece|Grèce|希腊", ("Crete|Crète|克里特岛", "Rhodes||罗得岛"))),
    "zh": (("Sichuan||四川", ("Ya'an||雅安", "Luding||泸定", "Lushan||芦山")),
           ("Yunnan||云南", ("Dali||大理", "Zhaotong||昭通", "Yangbi||漾濞")),
           ("Gansu||甘肃", ("Jishishan||积石山", "Linxia||临夏")),
           ("Xinjiang||新疆", ("Hotan||和田", "Aksu||阿克苏")),
           ("Taiwan|Taïwan|台湾", ("Hualien||花莲", "Taitung||台东")),
           ("Myanmar|Birmanie|缅甸", ("Mandalay||曼德勒", "Sagaing||实皆"))),
}
LEAGUES = {
    "en": {"name": "Premier League||英超",
           "teams": ("Arsenal||阿森纳", "Liverpool||利物浦", "Chelsea||切尔西", "Manchester United||曼联",
                     "Manchester City||曼城", "Tottenham||热刺", "Newcastle United||纽卡斯尔联",
                     "Aston Villa||阿斯顿维拉", "West Ham||西汉姆联", "Everton||埃弗顿", "Brighton||布莱顿",
                     "Wolves||狼队", "Leeds United||利兹联", "Nottingham Forest||诺丁汉森林", "Fulham||富勒姆",
                     "Crystal Palace||水晶宫")},
    "fr": {"name": "Ligue 1||法甲",
           "teams": ("Paris Saint-Germain||巴黎圣日耳曼", "Marseille||马赛", "Lyon||里昂", "Monaco||摩纳哥",
                     "Lille||里尔", "Rennes||雷恩", "Nice||尼斯", "Lens||朗斯", "Nantes||南特",
                     "Strasbourg||斯特拉斯堡", "Montpellier||蒙彼利埃", "Toulouse||图卢兹", "Reims||兰斯",
                     "Brest||布雷斯特")},
    "zh": {"name": "Chinese Super League|Super League chinoise|中超",
           "teams": ("Shanghai Port||上海海港", "Shandong Taishan||山东泰山", "Beijing Guoan||北京国安",
                     "Chengdu Rongcheng||成都蓉城", "Wuhan Three Towns||武汉三镇", "Zhejiang FC||浙江队",
                     "Tianjin Jinmen Tiger||天津津门虎", "Henan FC||河南队", "Changchun Yatai||长春亚泰",
                     "Qingdao Hainiu||青岛海牛", "Shanghai Shenhua||上海申花", "Shenzhen Peng City||深圳新鹏城")},
}
#: Companies by home language: (name, sector).
COMPANIES = {
    "en": (("Halden Motors||哈尔登汽车", "auto"), ("Orbitel||奥比泰电信", "telecom"), ("Quantix||宽蒂克斯", "tech"),
           ("Crestmont Bank|Banque Crestmont|克雷斯特蒙特银行", "bank"), ("SkyLark Airways||云雀航空", "airline"),
           ("Verity Pharma||维里蒂制药", "pharma"), ("Brightline Energy||明线能源", "energy"),
           ("Maple & Finch||枫雀百货", "retail"), ("Nimbus Cloud||宁巴斯云", "tech"),
           ("Arcadia Games||阿卡迪亚游戏", "tech"), ("Redwood Foods||红木食品", "retail")),
    "fr": (("Valmont Automobiles||瓦尔蒙汽车", "auto"), ("Lumière Télécom||光明电信", "telecom"),
           ("Banque Aubert||奥贝尔银行", "bank"), ("Air Azur||蓝天航空", "airline"),
           ("Galeries Duval||杜瓦尔百货", "retail"), ("Sanovie||萨诺维制药", "pharma"),
           ("Énergies du Rhône||罗讷能源", "energy"), ("Cybelis||西贝利斯科技", "tech")),
    "zh": (("Huaxin Tech||华芯科技", "tech"), ("Tianlan Motors||天澜汽车", "auto"),
           ("Xingchen Mobile||星辰手机", "tech"), ("Haiyun Airlines||海云航空", "airline"),
           ("Jinhe Bank|Banque Jinhe|金禾银行", "bank"), ("Anxin Pharma||安欣医药", "pharma"),
           ("Lianyun Cloud||联云科技", "tech"), ("Baifu Retail||百福零售", "retail"),
           ("Longteng Energy||龙腾能源", "energy")),
}
PRODUCTS = {
    "tech": ("smartphone||智能手机", "foldable phone|téléphone pliable|折叠屏手机", "AI assistant|assistant IA|AI助手",
             "laptop|ordinateur portable|笔记本电脑", "chip|puce|芯片", "game console|console de jeux|游戏主机"),
    "auto": ("electric SUV|SUV électrique|电动SUV", "electric car|voiture électrique|电动汽车", "battery|batterie|电池",
             "self-driving system|système de conduite autonome|自动驾驶系统"),
    "telecom": ("5G network|réseau 5G|5G网络", "fibre broadband|fibre optique|光纤宽带",
                "mobile plan|forfait mobile|手机套餐"),
    "bank": ("banking app|appli bancaire|手机银行", "savings account|livret d'épargne|储蓄账户",
             "credit card|carte de crédit|信用卡"),
    "airline": ("long-haul route|ligne long-courrier|远程航线", "aircraft order|commande d'avions|飞机订单",
                "loyalty programme|programme de fidélité|会员计划"),
    "pharma": ("obesity drug|traitement contre l'obésité|减肥药", "cancer drug|anticancéreux|抗癌药",
               "flu vaccine|vaccin antigrippal|流感疫苗"),
    "energy": ("solar farm|parc solaire|太阳能电站", "offshore wind farm|parc éolien en mer|海上风电场",
               "gas pipeline|gazoduc|天然气管道"),
    "retail": ("online store|boutique en ligne|网店", "same-day delivery|livraison le jour même|当日达",
               "flagship store|magasin phare|旗舰店"),
}
NATIONS = ("France||法国", "Germany|Allemagne|德国", "Japan|Japon|日本", "Brazil|Brésil|巴西", "India|Inde|印度",
           "Canada||加拿大", "Australia|Australie|澳大利亚", "Italy|Italie|意大利", "Spain|Espagne|西班牙",
           "Mexico|Mexique|墨西哥", "South Korea|Corée du Sud|韩国", "Turkey|Turquie|土耳其", "Egypt|Égypte|埃及",
           "Nigeria||尼日利亚", "Kenya||肯尼亚", "Argentina|Argentine|阿根廷", "Indonesia|Indonésie|印度尼西亚",
           "Vietnam|Viêt Nam|越南", "Poland|Pologne|波兰", "Norway|Norvège|挪威",
           "Saudi Arabia|Arabie saoudite|沙特阿拉伯", "South Africa|Afrique du Sud|南非",
           "Thailand|Thaïlande|泰国", "Chile|Chili|智利")
MISSIONS = ("Lyra-2||天琴二号", "Meridian||子午线号", "Odyssey-4|Odyssée-4|奥德赛四号", "Perseid|Perséide|英仙座号",
            "Helios-3||赫利俄斯三号", "Tianwen-3||天问三号", "Chang'e-7||嫦娥七号", "Boreal||北风号",
            "Kestrel||红隼号", "Zhuque-3||朱雀三号")
LAUNCH_SITES = {
    "en": ("Cape Canaveral|Cap Canaveral|卡纳维拉尔角", "Vandenberg||范登堡", "Boca Chica||博卡奇卡"),
    "fr": ("Kourou||库鲁", "Baikonur|Baïkonour|拜科努尔"),
    "zh": ("Wenchang||文昌", "Jiuquan||酒泉", "Xichang||西昌"),
}

# ---------------------------------------------------------------------------
# generic news wording
# ---------------------------------------------------------------------------

HEADS = {
    "en": ("BREAKING: ", "Just in: ", "UPDATE: ", "LIVE: ", "WATCH: ", "Report: ", "NEW: ", "DEVELOPING: "),
    "fr": ("URGENT - ", "ALERTE - ", "INFO - ", "EN DIRECT - ", "VIDÉO - ", "DERNIÈRE MINUTE - ",
           "Mise à jour : "),
    "zh": ("【突发】", "【快讯】", "【最新】", "【直播】", "【视频】", "【关注】"),
}
TAILS = {
    "en": ("More to follow.", "Live updates.", "Watch live.", "(video)", "Read more.", "Full report below.",
           "Developing story.", "Details soon.", "Live news coverage."),
    "fr": ("Plus d'infos à suivre.", "Suivez notre direct.", "(vidéo)", "Lire la suite.", "Les détails.",
           "Nos informations.", "Le point en direct."),
    "zh": ("详情请看。", "持续关注中。", "视频见下。", "更多消息稍后更新。", "现场画面曝光。", "直播进行中。"),
}
#: Lines naming none of a story's entities (every story can use them).
GENERIC_LINES = {
    "en": ("{what}: {x}", "{cw} latest: {what}", "{what} and {x}", "{what}, {x}: what we know",
           "{what}: the latest", "{what} — {x}"),
    "fr": ("{what} : {x}", "{cw} : le point, {what}", "{what} et {x}", "{what}, {x} : ce que l'on sait",
           "{what} : les dernières infos", "{what} — {x}"),
    "zh": ("{what}：{x}", "{cw}最新：{what}", "{what}、{x}", "{what}，{x}：最新情况", "{what}：最新消息",
           "{what}——{x}"),
}
#: How ordinary users open a post about the news.
OPENERS = {
    "en": ("omg ", "wow ", "so ", "ugh ", "this: ", "not again. ", "wait what. ", "huge: "),
    "fr": ("waouh ", "incroyable : ", "bon, ", "sérieux ? ", "pfff ", "énorme : "),
    "zh": ("天哪，", "震惊！", "唉，", "刚看到：", "不会吧，", "重磅！"),
}
REACT = {
    "en": ("wow", "unbelievable", "is this confirmed?", "source?", "thanks for the update", "crazy times",
           "following this", "this is huge", "any more details?", "watching live now", "praying for everyone",
           "can't believe it", "about time", "no way"),
    "fr": ("incroyable", "c'est confirmé ?", "source ?", "merci pour l'info", "quelle époque", "je suis ça de près",
           "énorme", "des détails ?", "je regarde en direct", "pensées pour tous", "pas possible",
           "il était temps"),
    "zh": ("天哪", "消息属实吗？", "求来源", "感谢更新", "太离谱了", "持续关注", "大新闻", "有更多细节吗？",
           "正在看直播", "祈祷平安", "不敢相信", "终于来了"),
}

# ---------------------------------------------------------------------------
# clusters of stories sharing vocabulary
#
# mode: "instance" clusters (storms, earthquakes) are sequences of stories
# around one anchor time (subtype "offset" in hours, "p" = chance the story
# happens); "series" clusters (elections, leagues) are one set of entities per
# home language with stories spread over the stream ("per_week" per home);
# "spread" clusters draw entities per story ("per_week" stories in all).
# slots: "slot=source" pairs; a subtype's slots add to its cluster's.
# ---------------------------------------------------------------------------

CLUSTERS = {
    "election": {
        "topic": "politics", "mode": "series", "homes": {"en": 1.0, "fr": 0.5},
        "per_week": {"en": (28, 40), "fr": (12, 18)},
        "words": {"en": "election; vote; campaign; voters; polls",
                  "fr": "élection; vote; campagne; électeurs; sondages",
                  "zh": "选举; 投票; 竞选; 选民; 民调"},
        "tags": {"en": "#Election2026; #Vote2026", "fr": "#Election2026; #Vote", "zh": "#大选"},
        "emoji": "🗳️ 📊 🎤 👀 🤔",
        "react": {"en": "this campaign is wild; can't wait for the results; so tired of this election; "
                        "{who} won this one; vote!",
                  "fr": "cette campagne est folle; vivement les résultats; {who} a gagné celle-là; allez voter !",
                  "zh": "这次选举太精彩了; 坐等结果; {who}这次赢了; 去投票吧"},
        "lines": {"main": {
            "en": ("{who} and {who2} trade blows over {what}", "{cw}: {what} in {where}",
                   "{who} faces {what} as election day nears", "{what} and {x}: the campaign so far",
                   "{who}'s {what} in {where} draws crowds", "{cw} latest: {what}, {x}",
                   "{who} hits back at {who2} after {what}", "{where}: {what} ahead of the {cw}",
                   "{what} could decide the {cw}", "{cw} {num}: {who} vs {who2}"),
            "fr": ("{who} et {who2} s'affrontent sur {what}", "{cw} : {what} à {where}",
                   "{who} face à {what}", "{what} et {x} : le point sur la campagne",
                   "{who} à {where} : {what}", "{cw} : {who} répond à {who2} après {what}",
                   "À {where}, {what} pour {who}", "{cw} — {what}, {x}", "{num} : {who} devant {who2}"),
            "zh": ("{who}与{who2}围绕{what}激烈交锋", "{cw}：{where}{what}", "{who}{what}，{x}",
                   "{cw}最新：{what}，{x}", "{who}在{where}{what}", "{where}{cw}：{who}{what}",
                   "{who}回应{who2}：{what}", "{what}引发关注，{cw}进入关键阶段", "{num}：{who}领先{who2}")}},
        "subtypes": {
            "debate": {"slots": "who=candidate who2=candidate where=city", "boost": 2.5, "tag": "Debate|Débat|辩论",
                       "words": {"en": "TV debate; debate stage; moderator questions; closing statements; "
                                       "heated exchange",
                                 "fr": "débat télévisé; plateau du débat; questions des journalistes; "
                                       "déclarations finales; échange tendu",
                                 "zh": "电视辩论; 辩论现场; 主持人提问; 结辩陈词; 唇枪舌剑"}},
            "poll": {"slots": "who=candidate who2=candidate num=pct",
                     "words": {"en": "new poll; poll lead; swing states; margin of error; undecided voters",
                               "fr": "nouveau sondage; avance dans les sondages; intentions de vote; "
                                     "marge d'erreur; indécis",
                               "zh": "最新民调; 民调领先; 摇摆州; 误差范围; 未表态选民"}},
            "rally": {"slots": "who=candidate where=city", "tag": "Rally|Meeting|集会",
                      "words": {"en": "campaign rally; packed arena; supporters chanting; rally speech; "
                                      "stadium crowd",
                                "fr": "meeting de campagne; salle comble; militants; discours de meeting; "
                                      "foule immense",
                                "zh": "竞选集会; 体育馆爆满; 支持者高呼; 集会演讲; 人山人海"}},
            "scandal": {"slots": "who=candidate who2=aide", "boost": 1.8, "tag": "Gate|Gate|门",
                        "words": {"en": "leaked emails; campaign finance probe; secret recording; "
                                        "donor scandal; resignation calls",
                                  "fr": "courriels divulgués; enquête sur le financement; enregistrement secret; "
                                        "affaire des donateurs; appels à la démission",
                                  "zh": "邮件泄露; 竞选资金调查; 秘密录音; 捐款丑闻; 要求辞职"}},
            "speech": {"slots": "who=candidate where=city",
                       "words": {"en": "keynote speech; policy speech; economic plan; tax cuts; healthcare pledge",
                                 "fr": "grand discours; discours programme; plan économique; baisses d'impôts; "
                                       "promesse sur la santé",
                                 "zh": "重要演讲; 政策演说; 经济计划; 减税方案; 医保承诺"}},
            "endorsement": {"slots": "who=candidate who2=aide",
                            "words": {"en": "endorsement; surprise backing; union support; former rival; "
                                            "party heavyweights",
                                      "fr": "soutien officiel; ralliement surprise; soutien syndical; ancien rival; "
                                            "ténors du parti",
                                      "zh": "公开背书; 意外支持; 工会支持; 昔日对手; 党内大佬"}},
            "early_voting": {"slots": "where=city where2=city",
                             "words": {"en": "early voting; long queues; polling stations; mail-in ballots; "
                                             "turnout record",
                                       "fr": "vote anticipé; longues files; bureaux de vote; vote par correspondance; "
                                             "participation record",
                                       "zh": "提前投票; 排长队; 投票站; 邮寄选票; 投票率创新高"}},
        },
    },
    "storm": {
        "topic": "weather", "mode": "instance", "per_week": (2, 4), "slots": "kind=kind who=storm",
        "words": {"en": "storm; winds; coast; forecasters",
                  "fr": "tempête; vents; côte; prévisionnistes",
                  "zh": "风暴; 大风; 沿海; 气象部门"},
        "tags": {"en": "#StormWatch; #weather", "fr": "#météo; #tempête", "zh": "#台风"},
        "emoji": "🌀 🌊 ⚠️ 🙏 😨 🌧️",
        "react": {"en": "stay safe everyone in {where}; this {kind} is terrifying; praying for {where}",
                  "fr": "courage à tous à {where}; ce {kind} fait peur; pensées pour {where}",
                  "zh": "{where}的朋友注意安全; 这个{kind}太可怕了; 为{where}祈祷"},
        "lines": {"main": {
            "en": ("{kind} {who}: {what} in {where}", "{what} as {kind} {who} nears {where}",
                   "{where}: {what}, {x}", "{kind} {who} latest: {what}", "{what} and {x} across {where}",
                   "{cw} update: {what} in {where}", "{x} after {kind} {who}", "{who}: {what}"),
            "fr": ("{kind} {who} : {what} à {where}", "{what} à l'approche de {who}", "{where} : {what}, {x}",
                   "{kind} {who} : le point, {what}", "{what} et {x} à {where}", "{cw} : {what} à {where}",
                   "{x} après le passage de {who}", "{who} : {what}"),
            "zh": ("{kind}“{who}”：{where}{what}", "{kind}“{who}”逼近{where}，{what}", "{where}：{what}，{x}",
                   "{kind}“{who}”最新：{what}", "{where}{what}，{x}", "{cw}预警：{where}{what}",
                   "{kind}“{who}”过后{where}{x}", "“{who}”：{what}")}},
        "subtypes": {
            "forecast": {"slots": "where=coast", "offset": (-60, -30), "p": 0.8,
                         "words": {"en": "forecast track; rapid intensification; storm watch; "
                                         "cone of uncertainty; category upgrade",
                                   "fr": "trajectoire prévue; intensification rapide; vigilance rouge; "
                                         "cône d'incertitude; catégorie relevée",
                                   "zh": "预测路径; 迅速增强; 防风警报; 不确定区域; 强度升级"}},
            "evacuation": {"slots": "where=coast where2=coast", "offset": (-36, -8), "p": 0.9, "boost": 1.5,
                           "words": {"en": "mandatory evacuation; evacuation orders; shelters open; "
                                           "traffic jams on highways; sandbags",
                                     "fr": "évacuation obligatoire; ordre d'évacuation; centres d'hébergement; "
                                           "embouteillages; sacs de sable",
                                     "zh": "强制撤离; 撤离令; 避难所开放; 高速拥堵; 沙袋"}},
            "landfall": {"slots": "where=coast", "offset": (0, 0), "p": 1.0, "boost": 3.5,
                         "words": {"en": "landfall; storm surge; roofs torn off; 150 mph winds; eye of the storm",
                                   "fr": "touché terre; onde de tempête; toitures arrachées; rafales à 200 km/h; "
                                         "œil du cyclone",
                                   "zh": "登陆; 风暴潮; 屋顶被掀翻; 狂风大作; 台风眼"}},
            "flooding": {"slots": "where=coast", "offset": (2, 14), "p": 0.8, "boost": 1.5,
                         "words": {"en": "flash floods; streets under water; rooftop rescues; river overflowing; "
                                         "flooded homes",
                                   "fr": "crues soudaines; rues inondées; sauvetages sur les toits; rivière en crue; "
                                         "maisons inondées",
                                   "zh": "山洪; 街道被淹; 屋顶救援; 河水漫堤; 房屋进水"}},
            "power": {"slots": "where=coast", "offset": (1, 20), "p": 0.7,
                      "words": {"en": "power outages; homes without power; downed lines; utility crews; "
                                      "generators",
                                "fr": "coupures d'électricité; foyers privés de courant; lignes arrachées; "
                                      "équipes de dépannage; groupes électrogènes",
                                "zh": "大面积停电; 居民断电; 电线倒塌; 抢修队; 发电机"}},
            "aftermath": {"slots": "where=coast where2=coast", "offset": (24, 72), "p": 0.8,
                          "words": {"en": "damage assessment; disaster declaration; cleanup; insurance claims; "
                                          "death toll",
                                    "fr": "bilan des dégâts; état de catastrophe naturelle; nettoyage; "
                                          "assurances; bilan humain",
                                    "zh": "灾情评估; 宣布灾区; 灾后清理; 保险理赔; 死亡人数"}},
        },
    },
    "quake": {
        "topic": "disaster", "mode": "instance", "per_week": (2, 4), "slots": "obj=country",
        "words": {"en": "earthquake; quake; tremor",
                  "fr": "séisme; tremblement de terre; secousse",
                  "zh": "地震; 强震; 强烈地震"},
        "tags": {"en": "#earthquake", "fr": "#séisme", "zh": "#地震"},
        "emoji": "🙏 💔 😢 ⚠️ 🚨",
        "react": {"en": "praying for {obj}; felt it here too; horrible news from {where}",
                  "fr": "pensées pour {obj}; on l'a senti ici aussi; terrible pour {where}",
                  "zh": "为{obj}祈福; 我这里也有震感; {where}挺住"},
        "lines": {"main": {
            "en": ("{num} {cw} hits {obj}", "{cw} near {where}, {obj}: {what}", "{obj} {cw}: {what}, {x}",
                   "{what} in {where} after the {cw}", "{where}: {what}", "{num} {cw}: {what} in {where}",
                   "{obj}: {what}, {x}"),
            "fr": ("{obj} : {cw} de {num}", "{cw} près de {where} ({obj}) : {what}", "{obj} : {what}, {x}",
                   "{what} à {where} après le séisme", "{where} : {what}", "{cw} de {num} : {what} à {where}",
                   "{obj} : {what} et {x}"),
            "zh": ("{obj}发生{num}{cw}", "{obj}{where}附近{cw}：{what}", "{obj}{cw}：{what}，{x}",
                   "{cw}后{where}{what}", "{where}：{what}", "{num}{cw}：{where}{what}", "{obj}：{what}，{x}")}},
        "subtypes": {
            "strike": {"slots": "where=qcity num=mag", "offset": (0, 0), "p": 1.0, "boost": 3.0,
                       "tag": "Earthquake|Séisme|地震",
                       "words": {"en": "buildings collapsed; epicentre; people trapped; shaking felt; "
                                       "tsunami warning",
                                 "fr": "immeubles effondrés; épicentre; personnes piégées; secousses ressenties; "
                                       "alerte au tsunami",
                                 "zh": "房屋倒塌; 震中; 人员被困; 震感强烈; 海啸预警"}},
            "rescue": {"slots": "where=qcity", "offset": (2, 30), "p": 0.9, "boost": 1.5,
                       "words": {"en": "rescue teams; search through rubble; survivors pulled out; sniffer dogs; "
                                       "field hospital",
                                 "fr": "équipes de secours; recherches dans les décombres; survivants extraits; "
                                       "chiens de recherche; hôpital de campagne",
                                 "zh": "救援队; 废墟搜救; 幸存者获救; 搜救犬; 野战医院"}},
            "aftershock": {"slots": "where=qcity num=mag", "offset": (3, 40), "p": 0.6,
                           "words": {"en": "strong aftershock; residents sleeping outside; more buildings damaged; "
                                           "panic in the streets",
                                     "fr": "forte réplique; habitants dorment dehors; nouveaux dégâts; "
                                           "panique dans les rues",
                                     "zh": "强烈余震; 居民露宿街头; 更多房屋受损; 街头恐慌"}},
            "toll": {"slots": "where=qcity", "offset": (6, 48), "p": 0.7,
                     "words": {"en": "death toll rises; hundreds injured; missing people; national mourning; "
                                     "hospitals overwhelmed",
                               "fr": "bilan s'alourdit; centaines de blessés; disparus; deuil national; "
                                     "hôpitaux débordés",
                               "zh": "死亡人数上升; 数百人受伤; 失踪人员; 全国哀悼; 医院不堪重负"}},
            "aid": {"slots": "where=qcity", "offset": (12, 72), "p": 0.6,
                    "words": {"en": "international aid; donations; relief convoy; emergency funding; "
                                    "tents and blankets",
                              "fr": "aide internationale; dons; convoi humanitaire; fonds d'urgence; "
                                    "tentes et couvertures",
                              "zh": "国际援助; 爱心捐款; 救灾物资车队; 紧急拨款; 帐篷和棉被"}},
        },
    },
    "sports": {
        "topic": "sports", "mode": "series", "homes": {"en": 1.0, "fr": 1.0, "zh": 0.6},
        "per_week": {"en": (20, 30), "fr": (10, 16), "zh": (6, 10)}, "slots": "league=league",
        "words": {"en": "league; goal; match; fans; season",
                  "fr": "championnat; but; match; supporters; saison",
                  "zh": "联赛; 进球; 比赛; 球迷; 赛季"},
        "tags": {"en": "#football; #matchday", "fr": "#foot; #Ligue1", "zh": "#中超"},
        "emoji": "⚽ 🏆 🔥 👏 😤 🙌",
        "react": {"en": "what a game; {who} were robbed; ref was a joke; unreal scenes",
                  "fr": "quel match; {who} volé; arbitrage honteux; scènes incroyables",
                  "zh": "太精彩了; {who}被黑了; 裁判太离谱; 名场面"},
        "lines": {
            "main": {
                "en": ("{league}: {what}", "{who}: {what}, {x}", "{league} {cw} news: {who} {what}"),
                "fr": ("{league} : {what}", "{who} : {what}, {x}", "{league} : {who}, {what}"),
                "zh": ("{league}：{what}", "{who}：{what}，{x}", "{league}{cw}：{who}{what}")},
            "match": {
                "en": ("{who} {num} {who2}: {what}", "{who} vs {who2}: {what}", "{what} as {who} edge {who2}",
                       "{obj} {what}, {who} {num} {who2}", "{who} {num} {who2}, {x}",
                       "full time: {who} {num} {who2}"),
                "fr": ("{who} {num} {who2} : {what}", "{who}-{who2} : {what}", "{obj} : {what} face à {who2}",
                       "{who} {num} {who2}, {x}", "coup de sifflet final : {who} {num} {who2}"),
                "zh": ("{who}{num}{who2}：{what}", "{who}对阵{who2}，{what}", "{obj}{what}，{who}击败{who2}",
                       "{who}{num}{who2}，{x}", "全场结束：{who}{num}{who2}")},
            "squad": {
                "en": ("{who}: {obj} {what}", "{obj}: {what}, {x}", "{what}: {obj} and {who}"),
                "fr": ("{who} : {obj}, {what}", "{obj} : {what}, {x}", "{what} : {obj} et {who}"),
                "zh": ("{who}：{obj}{what}", "{obj}{what}，{x}", "{what}：{obj}与{who}")}},
        "subtypes": {
            "win": {"slots": "who=team who2=team obj=player num=score", "lines": "match", "boost": 1.5,
                    "words": {"en": "late winner; stoppage-time goal; home win; top of the table; clean sheet",
                              "fr": "but de la victoire; but dans le temps additionnel; victoire à domicile; "
                                    "tête du classement; aucun but encaissé",
                              "zh": "绝杀; 补时进球; 主场取胜; 登顶积分榜; 零封对手"}},
            "comeback": {"slots": "who=team who2=team obj=player num=score", "lines": "match", "boost": 1.5,
                         "words": {"en": "stunning comeback; two goals down; equaliser; penalty drama; red card",
                                   "fr": "remontada; mené de deux buts; égalisation; penalty décisif; carton rouge",
                                   "zh": "惊天逆转; 两球落后; 扳平比分; 点球风波; 红牌"}},
            "derby": {"slots": "who=team who2=team obj=player num=score", "lines": "match", "boost": 2.0,
                      "tag": "Derby|Derby|德比",
                      "words": {"en": "derby day; rivals; crowd trouble; VAR controversy; bragging rights",
                                "fr": "derby; rivaux; incidents en tribune; polémique VAR; suprématie locale",
                                "zh": "德比大战; 宿敌; 看台冲突; VAR争议; 同城霸主"}},
            "hattrick": {"slots": "who=team who2=team obj=player num=score", "lines": "match",
                         "words": {"en": "hat-trick; man of the match; three goals; match ball; record scorer",
                                   "fr": "triplé; homme du match; trois buts; ballon du match; record de buts",
                                   "zh": "帽子戏法; 全场最佳; 独中三元; 比赛用球; 进球纪录"}},
            "transfer": {"slots": "who=team obj=player", "lines": "squad",
                         "words": {"en": "transfer; record fee; signs contract; medical; unveiling",
                                   "fr": "transfert; montant record; signe son contrat; visite médicale; "
                                         "présentation officielle",
                                   "zh": "转会; 创纪录转会费; 正式签约; 体检; 亮相"}},
            "injury": {"slots": "who=team obj=player", "lines": "squad",
                       "words": {"en": "injury; scans; hamstring; out for weeks; blow for the club",
                                 "fr": "blessure; examens; ischio-jambiers; absent plusieurs semaines; "
                                       "coup dur pour le club",
                                 "zh": "受伤; 检查结果; 腿筋拉伤; 缺阵数周; 重大打击"}},
            "sacked": {"slots": "who=team obj=coach", "lines": "squad",
                       "words": {"en": "manager sacked; coach fired; run of defeats; interim boss; board statement",
                                 "fr": "entraîneur limogé; série de défaites; intérim; communiqué du club; "
                                       "fin de l'aventure",
                                 "zh": "主帅下课; 解雇主教练; 连败; 临时主帅; 俱乐部声明"}},
        },
    },
    "business": {
        "topic": "business", "mode": "spread", "per_week": (30, 42), "slots": "who=company",
        "words": {"en": "shares; investors; company; markets",
                  "fr": "actions; investisseurs; entreprise; Bourse",
                  "zh": "股价; 投资者; 公司; 市场"},
        "tags": {"en": "#business; #stocks", "fr": "#économie; #Bourse", "zh": "#财经"},
        "emoji": "📉 📈 💰 🏢 👀",
        "react": {"en": "sell sell sell; {who} is done; saw this coming; my pension...",
                  "fr": "{who} c'est fini; on l'avait vu venir; mes économies...",
                  "zh": "赶紧卖; {who}完了; 早就料到了; 我的股票啊"},
        "lines": {"main": {
            "en": ("{who}: {what}", "{who}: {what}, {x}", "{what} at {who}, {cw} react",
                   "{obj} ({who}) on {what}", "{who} {item}: {what}", "{cw} watch: {who} {what}",
                   "{who} {cw} after {what}", "{what}: {who} and {who2}"),
            "fr": ("{who} : {what}", "{who} : {what}, {x}", "{what} chez {who}", "{obj} ({who}) sur {what}",
                   "{who}, {item} : {what}", "{cw} : {who}, {what}", "{what} : {who} et {who2}"),
            "zh": ("{who}：{what}", "{who}{what}，{x}", "{who}{what}，{cw}反应强烈", "{who}{obj}谈{what}",
                   "{who}{item}：{what}", "{cw}关注：{who}{what}", "{what}：{who}与{who2}")}},
        "subtypes": {
            "earnings": {"slots": "num=pct item=product",
                         "words": {"en": "quarterly results; profit warning; revenue beat; record profit; "
                                         "guidance cut",
                                   "fr": "résultats trimestriels; avertissement sur résultats; chiffre d'affaires; "
                                         "bénéfice record; prévisions abaissées",
                                   "zh": "季度财报; 盈利预警; 营收超预期; 利润创纪录; 下调预期"}},
            "layoffs": {"slots": "obj=ceo", "boost": 1.5,
                        "words": {"en": "job cuts; layoffs; restructuring plan; 2,000 jobs; plant closure",
                                  "fr": "suppressions de postes; licenciements; plan de restructuration; "
                                        "2 000 emplois; fermeture d'usine",
                                  "zh": "裁员; 大规模裁员; 重组计划; 两千个岗位; 工厂关闭"}},
            "launch": {"slots": "item=product obj=ceo", "boost": 1.5, "tag": "Launch|Lancement|发布会",
                       "words": {"en": "launch event; unveils; new model; preorders; price tag",
                                 "fr": "présentation; dévoile; nouveau modèle; précommandes; prix de lancement",
                                 "zh": "发布会; 正式亮相; 新款; 开启预售; 售价"}},
            "outage": {"slots": "item=product", "boost": 1.5, "tag": "Down|Panne|宕机",
                       "words": {"en": "outage; service down; users locked out; systems restored; apology",
                                 "fr": "panne; service indisponible; clients bloqués; retour à la normale; excuses",
                                 "zh": "宕机; 服务中断; 用户无法登录; 系统恢复; 致歉"}},
            "ceo_exit": {"slots": "obj=ceo",
                         "words": {"en": "CEO steps down; resignation; successor; boardroom shake-up; surprise exit",
                                   "fr": "le PDG démissionne; démission; successeur; remaniement; départ surprise",
                                   "zh": "CEO辞职; 辞任; 继任者; 高层震荡; 意外离职"}},
            "fine": {"slots": "item=product",
                     "words": {"en": "record fine; regulator; antitrust probe; appeal; competition watchdog",
                               "fr": "amende record; régulateur; enquête antitrust; appel; "
                                     "Autorité de la concurrence",
                               "zh": "巨额罚款; 监管机构; 反垄断调查; 提起上诉; 市场监管部门"}},
            "breach": {"slots": "item=product", "tag": "Leak|Fuite|泄露",
                       "words": {"en": "data breach; hackers; customer data; passwords leaked; cyberattack",
                                 "fr": "fuite de données; pirates; données clients; mots de passe; cyberattaque",
                                 "zh": "数据泄露; 黑客; 客户数据; 密码泄露; 网络攻击"}},
            "merger": {"slots": "who2=company2 obj=ceo", "boost": 1.5,
                       "words": {"en": "takeover bid; merger talks; $12bn deal; shareholders; hostile offer",
                                 "fr": "offre de rachat; fusion; accord à 12 milliards; actionnaires; OPA hostile",
                                 "zh": "收购要约; 合并谈判; 120亿美元交易; 股东; 恶意收购"}},
            "strike": {"slots": "item=product",
                       "words": {"en": "workers strike; picket lines; wage talks; production halted; union",
                                 "fr": "grève des salariés; piquets de grève; négociations salariales; "
                                       "production à l'arrêt; syndicat",
                                 "zh": "工人罢工; 罢工纠察线; 工资谈判; 停产; 工会"}},
        },
    },
    "justice": {
        "topic": "crime", "mode": "spread", "per_week": (26, 38), "slots": "where=city",
        "words": {"en": "police; investigation; detectives",
                  "fr": "police; enquête; enquêteurs",
                  "zh": "警方; 调查; 刑侦人员"},
        "tags": {"en": "#breaking", "fr": "#faitsdivers", "zh": "#警情通报"},
        "emoji": "🚨 😨 ⚠️ 🙏",
        "react": {"en": "scary, stay safe in {where}; hope they catch them; justice at last",
                  "fr": "flippant, prenez soin de vous à {where}; j'espère qu'ils l'attraperont; enfin justice",
                  "zh": "{where}的朋友注意安全; 希望尽快抓到; 终于等到判决"},
        "lines": {"main": {
            "en": ("{where}: {what}, {x}", "{cw} in {where} after {what}",
                   "{what} in {where}: police appeal for witnesses", "{who}: {what}", "{who} {what} in {where}",
                   "{cw} update: {what}", "{what} near {where}, {x}"),
            "fr": ("{where} : {what}, {x}", "{what} à {where}, appel à témoins", "{who} : {what}",
                   "{who}, {what} à {where}", "{cw} : {what}", "{what} près de {where}, {x}"),
            "zh": ("{where}：{what}，{x}", "{where}发生{what}，{cw}介入", "{where}{what}，警方征集线索",
                   "{who}：{what}", "{who}在{where}{what}", "{cw}通报：{what}", "{where}附近{what}，{x}")}},
        "subtypes": {
            "shooting": {"boost": 2.0,
                         "words": {"en": "shooting; gunman; shots fired; lockdown; victims",
                                   "fr": "fusillade; tireur; coups de feu; confinement; victimes",
                                   "zh": "枪击事件; 枪手; 枪声; 封锁现场; 遇难者"}},
            "manhunt": {"slots": "who=person",
                        "words": {"en": "manhunt; armed fugitive; roadblocks; helicopter search; public warning",
                                  "fr": "chasse à l'homme; fugitif armé; barrages routiers; hélicoptère; "
                                        "appel à la vigilance",
                                  "zh": "全城搜捕; 持枪逃犯; 设卡检查; 直升机搜索; 公众警示"}},
            "trial": {"slots": "who=person", "tag": "Trial|Procès|庭审",
                      "words": {"en": "trial; verdict; jury; guilty plea; sentencing",
                                "fr": "procès; verdict; jurés; plaide coupable; condamnation",
                                "zh": "庭审; 宣判; 陪审团; 认罪; 量刑"}},
            "arrest": {"slots": "who=person",
                       "words": {"en": "arrested; dawn raid; charges; custody; detectives",
                                 "fr": "interpellé; coup de filet; mis en examen; garde à vue; enquêteurs",
                                 "zh": "被捕; 凌晨突袭; 被起诉; 刑事拘留; 刑警"}},
            "heist": {"words": {"en": "jewellery heist; armed robbery; stolen paintings; getaway car; CCTV footage",
                                "fr": "braquage; vol à main armée; tableaux volés; voiture de fuite; "
                                      "vidéosurveillance",
                                "zh": "珠宝劫案; 持械抢劫; 名画被盗; 逃逸车辆; 监控画面"}},
            "escape": {"slots": "who=person",
                       "words": {"en": "prison escape; inmates; guards; search operation; breakout",
                                 "fr": "évasion; détenus; surveillants; opération de recherche; cavale",
                                 "zh": "越狱; 囚犯; 狱警; 搜捕行动; 在逃"}},
        },
    },
    "protest": {
        "topic": "society", "mode": "spread", "per_week": (14, 22), "slots": "where=city",
        "words": {"en": "protest; protesters; demonstration; march",
                  "fr": "manifestation; manifestants; mobilisation; cortège",
                  "zh": "抗议; 示威者; 示威; 游行"},
        "tags": {"en": "#protest", "fr": "#manif; #grève", "zh": "#抗议"},
        "emoji": "✊ 📢 🚧 😤",
        "react": {"en": "solidarity with {where}; traffic is a nightmare; this has to stop",
                  "fr": "solidarité avec {where}; la circulation est bloquée; ça doit cesser",
                  "zh": "声援{where}; 交通堵死了; 该结束了"},
        "lines": {"main": {
            "en": ("{where}: {what}, {x}", "thousands march in {where}: {what}", "{cw} in {where}: {what}",
                   "{what}: the {cw} spreads to {where2}", "union leader {who}: {what}", "{cw} latest: {x}"),
            "fr": ("{where} : {what}, {x}", "des milliers de personnes dans les rues de {where} : {what}",
                   "{cw} à {where} : {what}", "{what} : la mobilisation gagne {where2}",
                   "{who}, figure du mouvement : {what}",
                   "{cw} : {x}"),
            "zh": ("{where}：{what}，{x}", "{where}数千人上街：{what}", "{where}{cw}：{what}",
                   "{what}：{cw}蔓延至{where2}", "{who}谈{what}", "{cw}最新：{x}")}},
        "subtypes": {
            "pensions": {"slots": "where2=city who=person", "boost": 1.5,
                         "words": {"en": "pension reform; retirement age; general strike; tear gas; riot police",
                                   "fr": "réforme des retraites; âge de départ; grève générale; gaz lacrymogène; CRS",
                                   "zh": "养老金改革; 退休年龄; 总罢工; 催泪瓦斯; 防暴警察"}},
            "fuel": {"slots": "where2=city",
                     "words": {"en": "fuel prices; road blockades; truckers; petrol shortages; tax hike",
                               "fr": "prix du carburant; blocages routiers; routiers; pénurie d'essence; "
                                     "hausse des taxes",
                               "zh": "油价上涨; 道路封锁; 卡车司机; 汽油短缺; 加税"}},
            "housing": {"words": {"en": "rent rises; housing crisis; tenants; evictions; city hall",
                                  "fr": "hausse des loyers; crise du logement; locataires; expulsions; mairie",
                                  "zh": "房租上涨; 住房危机; 租客; 强制驱逐; 市政厅"}},
            "climate": {"slots": "where2=city",
                        "words": {"en": "climate march; activists; blocked bridge; school strike; arrests",
                                  "fr": "marche pour le climat; militants; pont bloqué; grève scolaire; "
                                        "interpellations",
                                  "zh": "气候游行; 环保人士; 封锁大桥; 学生罢课; 多人被捕"}},
            "farmers": {"slots": "where2=city",
                        "words": {"en": "farmers; tractors; blocked motorway; subsidies; food prices",
                                  "fr": "agriculteurs; tracteurs; autoroute bloquée; subventions; prix alimentaires",
                                  "zh": "农民; 拖拉机; 高速公路被堵; 农业补贴; 粮食价格"}},
            "rail_strike": {"slots": "who=person",
                            "words": {"en": "rail strike; cancelled trains; commuters; union talks; walkout",
                                      "fr": "grève des cheminots; trains annulés; usagers; négociations syndicales; "
                                            "débrayage",
                                      "zh": "铁路罢工; 列车取消; 通勤族; 工会谈判; 停工"}},
        },
    },
    "transport": {
        "topic": "accident", "mode": "spread", "per_week": (12, 18), "slots": "where=city",
        "words": {"en": "accident; passengers; injured; emergency services",
                  "fr": "accident; passagers; blessés; secours",
                  "zh": "事故; 乘客; 受伤; 救援人员"},
        "tags": {"en": "#breaking", "fr": "#accident", "zh": "#突发"},
        "emoji": "🚨 😱 🙏 💔",
        "react": {"en": "thoughts with the passengers; terrifying; hope everyone is ok",
                  "fr": "pensées aux passagers; terrifiant; j'espère que tout le monde va bien",
                  "zh": "愿乘客平安; 太吓人了; 希望大家都没事"},
        "lines": {"main": {
            "en": ("{what} near {where}: {x}", "{where}: {what}, {cw} at the scene",
                   "{cw}: {what} between {where} and {where2}", "{what} in {where}", "{cw} update: {what}, {x}",
                   "{who}: {what} in {where}"),
            "fr": ("{what} près de {where} : {x}", "{where} : {what}", "{what} entre {where} et {where2}",
                   "{what} à {where}", "{cw} : {what}, {x}", "{who} : {what} à {where}"),
            "zh": ("{where}附近发生{what}：{x}", "{where}：{what}，{cw}赶赴现场", "{where}至{where2}间{what}",
                   "{where}{what}", "{cw}最新：{what}，{x}", "{who}：{where}{what}")}},
        "subtypes": {
            "derailment": {"slots": "where2=city", "boost": 2.0,
                           "words": {"en": "train derailment; carriages overturned; rail line closed; "
                                           "high-speed train; signalling fault",
                                     "fr": "déraillement; wagons renversés; ligne fermée; TGV; "
                                           "panne de signalisation",
                                     "zh": "列车脱轨; 车厢侧翻; 线路停运; 高铁; 信号故障"}},
            "plane": {"slots": "who=airline", "boost": 1.5,
                      "words": {"en": "emergency landing; engine fire; flight diverted; evacuation slides; "
                                      "aviation authority",
                                "fr": "atterrissage d'urgence; moteur en feu; vol dérouté; toboggans d'évacuation; "
                                      "enquête aérienne",
                                "zh": "紧急迫降; 引擎起火; 航班备降; 紧急滑梯; 民航局"}},
            "bus": {"words": {"en": "bus crash; coach overturned; motorway; school trip; multiple casualties",
                              "fr": "accident de car; autocar renversé; autoroute; sortie scolaire; "
                                    "nombreuses victimes",
                              "zh": "大巴车祸; 客车侧翻; 高速公路; 研学旅行; 多人伤亡"}},
            "ferry": {"words": {"en": "ferry capsized; coastguard; missing passengers; rough seas; lifeboats",
                                "fr": "ferry chaviré; garde-côtes; passagers disparus; mer agitée; "
                                      "canots de sauvetage",
                                "zh": "渡轮倾覆; 海警; 乘客失踪; 风浪大; 救生艇"}},
            "bridge": {"words": {"en": "bridge collapse; cars plunged; divers; structural failure; road closed",
                                 "fr": "effondrement d'un pont; voitures tombées; plongeurs; défaut de structure; "
                                       "route coupée",
                                 "zh": "桥梁坍塌; 车辆坠落; 潜水员; 结构问题; 道路封闭"}},
        },
    },
    "health": {
        "topic": "health", "mode": "spread", "per_week": (12, 18), "slots": "where=city",
        "words": {"en": "health; hospital; patients; cases",
                  "fr": "santé; hôpital; patients; cas",
                  "zh": "卫生; 医院; 患者; 病例"},
        "tags": {"en": "#health", "fr": "#santé", "zh": "#健康"},
        "emoji": "🏥 😷 💉 ⚠️",
        "react": {"en": "get vaccinated people; worrying; our nurses deserve better",
                  "fr": "faites-vous vacciner; inquiétant; soutien aux soignants",
                  "zh": "大家记得接种; 令人担忧; 医护人员辛苦了"},
        "lines": {"main": {
            "en": ("{where}: {what}, {x}", "health officials warn of {what}", "{what} in {where}: {x}",
                   "{cw}: {what}", "{who}: {what}", "{what} reported in {where}"),
            "fr": ("{where} : {what}, {x}", "alerte sanitaire : {what}", "{what} à {where} : {x}", "{cw} : {what}",
                   "{who} : {what}", "{what} signalé à {where}"),
            "zh": ("{where}：{what}，{x}", "卫生部门警告{what}", "{where}{what}：{x}", "{cw}：{what}",
                   "{who}：{what}", "{where}报告{what}")}},
        "subtypes": {
            "measles": {"words": {"en": "measles outbreak; vaccination drive; school closures; infected children; "
                                        "contact tracing",
                                  "fr": "épidémie de rougeole; campagne de vaccination; écoles fermées; "
                                        "enfants infectés; cas contacts",
                                  "zh": "麻疹疫情; 疫苗接种; 学校停课; 儿童感染; 密接追踪"}},
            "bird_flu": {"words": {"en": "bird flu; poultry farms; culling; H5N1; quarantine zone",
                                   "fr": "grippe aviaire; élevages de volailles; abattage; H5N1; zone de quarantaine",
                                   "zh": "禽流感; 养禽场; 扑杀; H5N1; 隔离区"}},
            "nurses": {"words": {"en": "nurses strike; A&E waiting times; cancelled operations; staff shortages; "
                                       "pay offer",
                                 "fr": "grève des infirmiers; attente aux urgences; opérations annulées; "
                                       "manque de personnel; revalorisation",
                                 "zh": "护士罢工; 急诊等候; 手术取消; 人手短缺; 加薪方案"}},
            "vaccine": {"slots": "who=pharma",
                        "words": {"en": "new vaccine; regulator approval; trial results; rollout; side effects",
                                  "fr": "nouveau vaccin; autorisation; résultats d'essai; déploiement; "
                                        "effets secondaires",
                                  "zh": "新疫苗; 获批上市; 试验结果; 推广接种; 副作用"}},
            "heat_illness": {"words": {"en": "heatstroke; emergency rooms; cooling centres; elderly residents; "
                                             "heat alert",
                                       "fr": "coups de chaleur; urgences saturées; salles rafraîchies; "
                                             "personnes âgées; alerte canicule",
                                       "zh": "中暑; 急诊室; 避暑中心; 老年人; 高温预警"}},
        },
    },
    "diplomacy": {
        "topic": "world", "mode": "spread", "per_week": (18, 26), "slots": "",
        "words": {"en": "summit; talks; minister; diplomats",
                  "fr": "sommet; négociations; ministre; diplomates",
                  "zh": "峰会; 会谈; 部长; 外交官"},
        "tags": {"en": "#world", "fr": "#international", "zh": "#国际"},
        "emoji": "🤝 🌍 🕊️ 📜",
        "react": {"en": "big day for {obj}; finally some diplomacy; this won't end well",
                  "fr": "grande journée pour {obj}; enfin de la diplomatie; ça va mal finir",
                  "zh": "{obj}的大日子; 终于坐下来谈了; 这事不好收场"},
        "lines": {"main": {
            "en": ("{who} and {who2} meet in {where}: {what}", "{cw} in {where}: {what}, {x}", "{obj}: {what}",
                   "{who} on {what}", "{what}: {cw} latest", "{who} warns {obj} over {what}"),
            "fr": ("{who} et {who2} se rencontrent à {where} : {what}", "{cw} à {where} : {what}, {x}",
                   "{obj} : {what}", "{who} sur {what}", "{cw} : {what}", "{who} met en garde {obj} : {what}"),
            "zh": ("{who}与{who2}在{where}会面：{what}", "{where}{cw}：{what}，{x}", "{obj}：{what}",
                   "{who}谈{what}", "{cw}最新：{what}", "{who}就{what}警告{obj}")}},
        "subtypes": {
            "summit": {"slots": "who=leader who2=foreign where=city", "boost": 1.8, "tag": "Summit|Sommet|峰会",
                       "words": {"en": "G20 summit; joint statement; family photo; bilateral meeting; "
                                       "closing press conference",
                                 "fr": "sommet du G20; déclaration commune; photo de famille; rencontre bilatérale; "
                                       "conférence de presse finale",
                                 "zh": "G20峰会; 联合声明; 集体合影; 双边会晤; 闭幕记者会"}},
            "sanctions": {"slots": "who=leader obj=nation",
                          "words": {"en": "new sanctions; asset freeze; export ban; retaliation; sanctions package",
                                    "fr": "nouvelles sanctions; gel des avoirs; embargo; représailles; "
                                          "paquet de sanctions",
                                    "zh": "新一轮制裁; 冻结资产; 出口禁令; 反制措施; 制裁方案"}},
            "ambassador": {"slots": "obj=nation who=foreign",
                           "words": {"en": "ambassador expelled; embassy; diplomatic row; summoned; "
                                           "consulate closed",
                                     "fr": "ambassadeur expulsé; ambassade; crise diplomatique; convoqué; "
                                           "consulat fermé",
                                     "zh": "驱逐大使; 大使馆; 外交风波; 召见; 关闭领事馆"}},
            "trade": {"slots": "who=leader who2=foreign obj=nation",
                      "words": {"en": "trade deal; tariffs; market access; free trade agreement; negotiators",
                                "fr": "accord commercial; droits de douane; accès au marché; libre-échange; "
                                      "négociateurs",
                                "zh": "贸易协议; 关税; 市场准入; 自由贸易协定; 谈判代表"}},
            "ceasefire": {"slots": "where=city obj=nation who=foreign", "boost": 1.5,
                          "words": {"en": "ceasefire talks; truce; prisoner exchange; mediators; "
                                          "humanitarian corridor",
                                    "fr": "pourparlers de cessez-le-feu; trêve; échange de prisonniers; médiateurs; "
                                          "couloir humanitaire",
                                    "zh": "停火谈判; 休战; 交换战俘; 调停方; 人道主义走廊"}},
            "visit": {"slots": "who=foreign where=city who2=leader",
                      "words": {"en": "state visit; red carpet; state banquet; official visit; motorcade",
                                "fr": "visite d'État; tapis rouge; dîner d'État; visite officielle; "
                                      "cortège officiel",
                                "zh": "国事访问; 红毯迎接; 国宴; 正式访问; 车队"}},
        },
    },
    "space": {
        "topic": "science", "mode": "spread", "per_week": (8, 13), "slots": "who=mission where=site",
        "words": {"en": "space; rocket; mission; scientists",
                  "fr": "espace; fusée; mission; scientifiques",
                  "zh": "太空; 火箭; 任务; 科学家"},
        "tags": {"en": "#space", "fr": "#espace", "zh": "#航天"},
        "emoji": "🚀 🌕 🔭 ✨ 🪐",
        "react": {"en": "goosebumps; science is amazing; go {who}!",
                  "fr": "des frissons; la science c'est beau; allez {who} !",
                  "zh": "太震撼了; 科学万岁; {who}加油！"},
        "lines": {"main": {
            "en": ("{who}: {what}", "{what} at {where}: {who} {x}", "{cw}: {who} {what}", "{what} for {who}",
                   "{where}: {what}, {x}"),
            "fr": ("{who} : {what}", "{what} à {where} : {who}, {x}", "{cw} : {who}, {what}", "{what} pour {who}",
                   "{where} : {what}, {x}"),
            "zh": ("{who}：{what}", "{where}{what}：{who}{x}", "{cw}：{who}{what}", "{who}{what}",
                   "{where}：{what}，{x}")}},
        "subtypes": {
            "launch": {"boost": 1.5, "tag": "Launch|Lancement|发射",
                       "words": {"en": "liftoff; launch window; booster landing; countdown; payload",
                                 "fr": "décollage; fenêtre de tir; atterrissage du booster; compte à rebours; "
                                       "charge utile",
                                 "zh": "点火升空; 发射窗口; 助推器回收; 倒计时; 有效载荷"}},
            "failure": {"words": {"en": "launch failure; explosion; debris; anomaly; investigation",
                                  "fr": "échec du lancement; explosion; débris; anomalie; commission d'enquête",
                                  "zh": "发射失利; 空中爆炸; 残骸; 异常情况; 事故调查"}},
            "landing": {"boost": 1.5,
                        "words": {"en": "lunar landing; touchdown; first images; rover; lander",
                                  "fr": "alunissage; contact avec le sol; premières images; rover; atterrisseur",
                                  "zh": "月面着陆; 成功着陆; 首批图像; 月球车; 着陆器"}},
            "discovery": {"words": {"en": "new exoplanet; telescope images; water signature; black hole; "
                                          "study published",
                                    "fr": "nouvelle exoplanète; images du télescope; traces d'eau; trou noir; "
                                          "étude publiée",
                                    "zh": "新系外行星; 望远镜图像; 水的迹象; 黑洞; 研究发表"}},
        },
    },
    "entertainment": {
        "topic": "culture", "mode": "spread", "per_week": (20, 30), "slots": "who=star",
        "words": {"en": "celebrity; showbiz; entertainment; star",
                  "fr": "people; showbiz; célébrité; star",
                  "zh": "娱乐圈; 粉丝; 演艺圈; 网友"},
        "tags": {"en": "#celebrity; #music", "fr": "#people; #musique", "zh": "#娱乐"},
        "emoji": "😍 🎬 🎤 💔 ✨ 😭",
        "react": {"en": "{who} deserves it; crying rn; iconic; I need tickets",
                  "fr": "{who} le mérite; je pleure; iconique; il me faut des places",
                  "zh": "{who}实至名归; 哭了; 太经典了; 求票"},
        "lines": {"main": {
            "en": ("{who}: {what}", "{who}: {what}, fans react", "{what} in {where}", "{cw} news: {who}, {what}",
                   "{who} at {where}: {what}, {x}", "{what}: {who} and {who2}"),
            "fr": ("{who} : {what}", "{who} : {what}, les fans réagissent", "{what} à {where}", "{cw} : {who}, {what}",
                   "{who} à {where} : {what}, {x}", "{what} : {who} et {who2}"),
            "zh": ("{who}：{what}", "{who}{what}，{cw}沸腾", "{where}{what}", "{cw}热议：{who}{what}",
                   "{who}在{where}：{what}，{x}", "{what}：{who}和{who2}")}},
        "subtypes": {
            "awards": {"slots": "where=city who2=star", "boost": 2.0,
                       "words": {"en": "awards night; best actress; red carpet; acceptance speech; surprise winner",
                                 "fr": "cérémonie des prix; meilleure actrice; tapis rouge; discours de remerciement; "
                                       "lauréat surprise",
                                 "zh": "颁奖典礼; 最佳女主角; 红毯; 获奖感言; 爆冷获奖"}},
            "album": {"words": {"en": "new album; surprise release; lead single; streaming record; tracklist",
                                "fr": "nouvel album; sortie surprise; premier single; record de streams; "
                                      "liste des titres",
                                "zh": "新专辑; 突然发行; 主打单曲; 播放量纪录; 曲目单"}},
            "tour": {"slots": "where=city", "tag": "Tour|Tournée|巡演",
                     "words": {"en": "world tour; tickets sold out; stadium dates; ticket queues; extra shows",
                               "fr": "tournée mondiale; billets épuisés; dates en stade; files d'attente; "
                                     "dates supplémentaires",
                               "zh": "世界巡演; 门票售罄; 体育场巡演; 抢票; 加场"}},
            "death": {"boost": 2.5,
                      "words": {"en": "dies aged 78; tributes pour in; legendary career; family statement; "
                                      "final role",
                                "fr": "mort à 78 ans; pluie d'hommages; carrière légendaire; communiqué de la famille; "
                                      "dernier rôle",
                                "zh": "享年78岁; 各界悼念; 传奇生涯; 家属声明; 最后一部作品"}},
            "festival": {"slots": "where=city",
                         "words": {"en": "film festival; premiere; standing ovation; jury; opening night",
                                   "fr": "festival de cinéma; avant-première; standing ovation; jury; "
                                         "soirée d'ouverture",
                                   "zh": "电影节; 首映; 全场起立鼓掌; 评审团; 开幕之夜"}},
            "breakup": {"slots": "who2=star",
                        "words": {"en": "split; divorce; joint statement; relationship; rumours",
                                  "fr": "séparation; divorce; communiqué commun; couple; rumeurs",
                                  "zh": "分手; 离婚; 联合声明; 恋情; 传闻"}},
        },
    },
    "disaster": {
        "topic": "disaster", "mode": "spread", "per_week": (12, 18), "slots": "where=region",
        "words": {"en": "emergency; evacuation; warning; alert",
                  "fr": "urgence; évacuation; alerte; vigilance",
                  "zh": "紧急; 疏散; 预警; 警报"},
        "tags": {"en": "#breaking; #weather", "fr": "#météo", "zh": "#突发"},
        "emoji": "🔥 🌊 ⚠️ 🙏 😢",
        "react": {"en": "stay safe {where}; heartbreaking pictures; climate change is real",
                  "fr": "courage {where}; images terribles; le climat change",
                  "zh": "{where}平安; 画面让人心碎; 气候变化是真的"},
        "lines": {"main": {
            "en": ("{where}: {what}, {x}", "{what} forces residents to flee in {where}",
                   "emergency in {where} as {what} spreads", "{what} near {where} and {where2}", "{cw} update: {what}",
                   "{what}: {where} on alert"),
            "fr": ("{where} : {what}, {x}", "{what} : des habitants évacués", "{cw} : {where}, {what}",
                   "{what} : {where} et {where2} touchés", "{cw} : {what}", "{what} : {where} en alerte"),
            "zh": ("{where}：{what}，{x}", "{where}{what}，居民紧急疏散", "{where}{cw}：{what}",
                   "{where}和{where2}{what}", "{cw}最新：{what}", "{what}：{where}进入戒备")}},
        "subtypes": {
            "wildfire": {"slots": "where2=region", "boost": 1.8, "tag": "Fire|Incendie|山火",
                         "words": {"en": "wildfire; blaze; firefighters; water bombers; hectares burned",
                                   "fr": "incendie de forêt; feu; pompiers; Canadair; hectares brûlés",
                                   "zh": "山火; 大火; 消防员; 灭火飞机; 过火面积"}},
            "flood": {"slots": "where2=region", "boost": 1.5,
                      "words": {"en": "flooding; river burst its banks; homes flooded; red alert; rescue boats",
                                "fr": "inondations; rivière en crue; maisons inondées; vigilance rouge; "
                                      "bateaux de secours",
                                "zh": "洪水; 河水决堤; 房屋被淹; 红色预警; 冲锋舟"}},
            "landslide": {"words": {"en": "landslide; mudslide; village buried; rescuers; heavy rain",
                                    "fr": "glissement de terrain; coulée de boue; village enseveli; secouristes; "
                                          "pluies torrentielles",
                                    "zh": "山体滑坡; 泥石流; 村庄被掩埋; 搜救人员; 强降雨"}},
            "heatwave": {"slots": "where2=region",
                         "words": {"en": "heatwave; record temperature; 45C; drought; water restrictions",
                                   "fr": "canicule; record de chaleur; 45 degrés; sécheresse; restrictions d'eau",
                                   "zh": "热浪; 创纪录高温; 45摄氏度; 干旱; 限水"}},
            "snowstorm": {"words": {"en": "snowstorm; blizzard; roads closed; flights cancelled; snowfall",
                                    "fr": "tempête de neige; blizzard; routes fermées; vols annulés; chutes de neige",
                                    "zh": "暴雪; 暴风雪; 道路封闭; 航班取消; 降雪"}},
        },
    },
}
