"""Names that belong to fictional characters and to pets, not to data subjects.

Characters (data/fictional_characters.txt: the principal cast of film, TV, game,
literature, anime and Chinese classics, grouped by franchise). A name finding inside a
character's name written in the text is that character when:

* the character's name is distinctive: some word of it is no listed given name, surname
  or everyday word (Pikachu, Hermione, Skywalker), or a Chinese one starts with no
  surname (哪吒, 喜羊羊), and nothing before it introduces a person (Mr., Dear, I'm,
  my name is, 我叫);
* or, for a name a person could have (Harry Potter, Elsa, Mario, 刘备, 孙悟空), a theme or
  product word stands next to it (Harry Potter themed cake, Elsa costume, 钢铁侠主题),
  or the sentence names another character of the same franchise (Mario and Luigi, Elsa
  and Olaf) or is about fiction (a movie, a game, a party, cosplay, 动画, 电影), and no
  personal data of a record (a phone, an e-mail, a birth date, an id) shares it.

Pets: a lone given name (one word; two Chinese characters) in a sentence about an
animal (dog, cat, puppy, kennel, vet, her owner, 猫, 狗, 宠物, 主人) is the animal's,
unless a word before it says a person is meant (owner, this is, Dr., call, my sister,
主人, 联系) or it is followed by what makes it the owner (, her owner); "X的主人" and
"X's owner" name the pet X.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from importlib.resources import files

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy.phrases import PhraseTable, SpanIndex, read_sections
from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.script import fold_traditional
from sentinel.privacy.sentences import sentence_bounds

_WORDS = regex.compile(r"[\p{L}\p{M}\d'’.-]+")
_HAN = regex.compile(r"\p{Han}")
_REACH = 160  # characters either way searched for the sentence's bounds
_NEAR = 48  # characters either way searched for the names around a finding
# A finding longer than this is no name with a product noun ("Pikachu keychain") but a
# run the NER made of many words: only names around it are judged, not inside it.
_LONGEST_NAME = 64
# Theme and product words: what a character's name is put on or played in.
_THEME = regex.compile(
    r"\b(?:cakes?|cupcakes?|cookies?|toppers?|themed?|party|parties|costumes?|cosplay|"
    r"dress(?:-up)?|outfit|onesie|mask|balloons?|banners?|decorations?|decor|pinata|"
    r"piñata|invitations?|stickers?|posters?|figures?|figurines?|plush(?:ie)?s?|toys?|"
    r"lego|dolls?|action\s+figures?|merch|t-?shirts?|pyjamas|pajamas|backpacks?|"
    r"lunchbox|mugs?|books?|novels?|comics?|manga|anime|cartoons?|movies?|films?|"
    r"sequel|prequel|trailer|series|episodes?|seasons?|shows?|sitcom|franchise|"
    r"universe|characters?|villain|hero(?:es|ine)?|superhero|sidekick|fan|fans|fandom|"
    r"fanfic|games?|gaming|level|boss\s+fight|skins?|quiz|trivia|escape\s+room|"
    r"halloween|musical|play|pantomime|voiced|voice\s+actor|played\s+by|cast\s+as|"
    r"reboot|remake|spin-?off|box\s+set|blu-?ray|dvd|disney|pixar|marvel|nintendo)\b"
    r"|主题|蛋糕|派对|生日会|手办|玩偶|公仔|动画|动漫|漫画|电影|影片|电视剧|连续剧|游戏|手游|小说|名著|"
    r"角色|人物|扮演|cos|周边|海报|贴纸|绘本|故事|配音|饰演|演员|皮肤|英雄|气球|装扮|服装|面具|玩具|"
    r"乐高|积木|卡片|西游记|红楼梦|三国|水浒|封神|武侠|金庸|童话|神话|传说|里的|中的",
    regex.IGNORECASE,
)
# Words that make a whole sentence about fiction (not "play" or "show": too common).
_FICTION = regex.compile(
    r"\b(?:movies?|films?|cartoons?|anime|manga|comics?|cosplay|costumes?|characters?|"
    r"franchise|villain|superhero|videogames?|video\s+games?|episodes?|fanfic|themed?|"
    r"escape\s+room|toppers?|balloons?|figurines?|plush(?:ie)?s?|novels?|books?|fiction(?:al)?|"
    r"stor(?:y|ies)|series|sequel|prequel|trilogy|saga)\b"
    r"|主题|动画|动漫|漫画|电影|电视剧|游戏|小说|名著|角色|扮演|手办|公仔|童话|西游记|红楼梦|三国|水浒",
    regex.IGNORECASE,
)
_JOINED = regex.compile(r"\s*(?:,|&|and|or|vs\.?|和|与|跟|、|，)\s*$", regex.IGNORECASE)
_NEXT_WORDS = regex.compile(r"(?:['’]s)?(?:[\s,&-]+[\p{L}'’-]+){0,3}")
_PREV_WORDS = regex.compile(r"(?:[\p{L}'’-]+[\s,&-]+){0,3}$")
# A person introduced right before the name.
_PERSON_BEFORE = regex.compile(
    r"(?:\b(?:mr|mrs|ms|miss|dr|prof|dear|hi|hello|hey|i'm|i\s+am|name(?:['’]s|\s+is)?|"
    r"names|named|called|call\s+me|it['’]s|this\s+is|signed|regards|contact|call|email|"
    r"text|cc|from|to|attn|owner|patient|applicant|tenant|customer|client|guest|"
    r"passenger|employee)\b\W{0,3}"
    r"|我叫|我是|姓名|名字是|联系|先生|女士|主人|业主|客户|乘客|员工|子女|儿子|女儿|人|跟|给|找|"
    r"问|让|告诉|通知|转告|谢谢|感谢|@)$",
    regex.IGNORECASE,
)
# Personal data of a record in the same sentence: the name is that person's.
_RECORD_TYPES = frozenset(
    {
        "PHONE_NUMBER",
        "EMAIL_ADDRESS",
        "DATE_OF_BIRTH",
        "PASSPORT",
        "CN_RESIDENT_ID",
        "US_SSN",
        "CREDIT_CARD",
        "IBAN_CODE",
        "IM_ACCOUNT",
        "LOCATION",
    }
)
# 猫 and 狗 alone, not inside another word: 光猫 (a fibre modem), 熊猫, 天猫, 猫眼, 热狗, 狗仔.
_ZH_ANIMAL = r"(?<![光熊天夜热单])(?:猫|狗)(?![眼腻王子仔])"
_PET = regex.compile(
    r"\b(?:dogs?|doggy|doggie|pupp(?:y|ies)|pups?|cats?|kittens?|kitty|pets?|kennels?|"
    r"cattery|vets?|veterinar(?:y|ian)|groom(?:er|ing)|leash|litter\s+box|neuter(?:ed)?|"
    r"spay(?:ed)?|microchip(?:ped)?|rabies|breed|terrier|retriever|labrador|poodle|"
    r"beagle|bulldog|corgi|husky|dachshund|chihuahua|spaniel|collie|pug|schnauzer|"
    r"rottweiler|doberman|tabby|parrot|budgie|hamster|guinea\s+pig|bunny|ferret|"
    r"tortoise|goldfish|pony|paws?|woof|meow|(?:her|his|its|their)\s+owners?)\b"
    r"|" + _ZH_ANIMAL + r"|宠物|寵物|兽医|獸醫|主人|铲屎官|喵|汪星人|柯基|泰迪|金毛|哈士奇|柴犬|"
    r"布偶|英短|兔子|仓鼠|鹦鹉|遛狗|猫粮|狗粮|绝育",
    regex.IGNORECASE,
)
# After a name: words that make it a person's (the owner), or the pet's.
_PET_NOUN = (
    r"(?:dogs?|pupp(?:y|ies)|pups?|cats?|kittens?|pets?|bunny|rabbit|hamster|parrot|horse|"
    r"pony)"
)
_OWNER_AFTER = regex.compile(
    r"\s*(?:,\s*)?(?:\(?\s*(?:her|his|the|their|its)\s+owner|\(owner\)|,\s*owner\b)"
    r"(?!s?\s*:?\s*\p{Lu})"  # "Max, owner Brenda Hardy": Brenda is the owner
    r"|['’]s\s+(?:\w+\s+)?" + _PET_NOUN + r"\b"
    r"|\s*(?:[,，]\s*)?(?:主人|铲屎官)(?!的)|\s*(?:家)?的(?:猫|狗|宠物|狗狗|猫咪)",
    regex.IGNORECASE,
)
# The name tied to the animal: a pet noun or an owner mentioned close to it.
_PET_NEAR = regex.compile(
    r"\b(?:" + _PET_NOUN + r"|kennel|vet|owners?|groom(?:er|ing)|breed)\b"
    r"|" + _ZH_ANIMAL + r"|宠物|寵物|主人|兽医|獸醫",
    regex.IGNORECASE,
)
_PET_NEAR_REACH = 80
_PET_AFTER = regex.compile(r"['’]s\s+owner|\s*的主人|\s*的铲屎官")
_PET_PERSON_BEFORE = regex.compile(
    r"(?:\b(?:owner|owners|dr|doctor|nurse|vet|groomer|trainer|walker|sitter|"
    r"receptionist|this\s+is|i'm|i\s+am|my\s+name\s+is|call|text|contact|ask|ask\s+for|"
    r"thanks|thank\s+you|hi|hello|dear|regards|signed|cc|my\s+(?:wife|husband|son|"
    r"daughter|sister|brother|mom|mum|dad|friend|neighbou?r|partner|kid|child)|"
    r"mr|mrs|ms|miss)\b\W{0,3}"
    r"|主人(?:是)?|联系|我叫|我是|医生|先生|女士|老公|老婆|儿子|女儿|妈妈|爸爸|人)$",
    regex.IGNORECASE,
)


@functools.cache
def _characters() -> PhraseTable[frozenset[str]]:
    """Character name -> its franchises."""
    text = files("sentinel.privacy").joinpath("data", "fictional_characters.txt")
    sections = read_sections(text.read_text(encoding="utf-8").splitlines())
    return PhraseTable({name: frozenset(franchises) for name, franchises in sections.items()})


class FictionLookalikes:
    """Judges name findings with the name lists the analyzer loaded."""

    def __init__(
        self, given: Collection[str], surnames: Collection[str], english: Collection[str]
    ) -> None:
        self.given, self.surnames, self.english = given, surnames, english
        self.zh_surnames = load("zh_surnames.txt")
        self._spans: tuple[Sequence[RecognizerResult], SpanIndex] | None = None

    def _records(self, results: Sequence[RecognizerResult]) -> SpanIndex:
        """The record findings of one analysis (built once: findings are judged in turn)."""
        if self._spans is None or self._spans[0] is not results:
            self._spans = (results, SpanIndex(results, _record))
        return self._spans[1]

    def character(
        self, text: str, result: RecognizerResult, results: Sequence[RecognizerResult]
    ) -> bool:
        """Whether the name finding lies inside a fictional character's name."""
        start, end = result.start, result.end
        lo, hi = sentence_bounds(text, start, end, _REACH)
        near_lo, near_hi = max(lo, start - _NEAR), min(hi, end + _NEAR)
        found = _characters().occurrences(text, near_lo, near_hi)
        inside = [
            f
            for f in found
            if (f[0] <= start and f[1] >= end)
            or (
                end - start <= _LONGEST_NAME
                and start <= f[0]
                and f[1] <= end
                and _lower_rest(text, start, f[0], f[1], end)
            )
        ]
        if not inside:
            return False
        c_start, c_end, franchises = max(inside, key=lambda f: f[1] - f[0])
        if _PERSON_BEFORE.search(text, max(0, c_start - 16), c_start):
            return False
        if _theme_after(text, c_end):
            return True
        if self._records(results).overlaps(lo, hi):
            return False
        if _theme_before(text, c_start):
            return True
        if not self._person_shaped(text[c_start:c_end]):
            return True
        pair = any(
            fr & franchises
            and (
                (e <= c_start and _JOINED.fullmatch(text, e, c_start))
                or (s >= c_end and _JOINED.fullmatch(text, c_end, s))
            )
            for s, e, fr in found
        )
        return pair or bool(_FICTION.search(fold_traditional(text[lo:hi])))

    def _person_shaped(self, name: str) -> bool:
        """Whether a person could be called `name`: every word a listed given name,
        surname or everyday word (Harry Potter, Elsa), or a Chinese surname and one or
        two characters (刘备, 令狐冲: a person may be called so too)."""
        if _HAN.search(name):  # any surname + one or two characters: 令狐冲, 孙悟空, 刘备
            name = fold_traditional(name)
            return any(
                name[:size] in self.zh_surnames and 1 <= len(name) - size <= 2 for size in (2, 1)
            )
        keys = [fold(w.strip(".'’-")) for w in _WORDS.findall(name)]
        return bool(keys) and all(
            k in self.given or k in self.surnames or k in self.english for k in keys
        )

    def pet(self, text: str, result: RecognizerResult) -> bool:
        """Whether the lone given name finding is an animal's in a sentence about one."""
        start, end = result.start, result.end
        value = text[start:end]
        if _HAN.search(value):
            if len(value) != 2:
                return False
        elif len(_WORDS.findall(value)) != 1:
            return False
        lo, hi = max(0, start - _REACH), min(len(text), end + _REACH)
        if not _PET.search(text, lo, hi):
            return False
        near = max(0, start - _PET_NEAR_REACH), min(len(text), end + _PET_NEAR_REACH)
        if not _PET_NEAR.search(text, *near):
            return False
        if _PET_AFTER.match(text, end):
            return True
        if _OWNER_AFTER.match(text, end):
            return False
        return not _PET_PERSON_BEFORE.search(text, max(0, start - 24), start)


def _record(result: RecognizerResult) -> bool:
    """Personal data of a record (an NER place is no record's)."""
    name = (result.recognition_metadata or {}).get("recognizer_name")
    return result.entity_type in _RECORD_TYPES and name != "SpacyRecognizer"


def _lower_rest(text: str, start: int, s: int, e: int, end: int) -> bool:
    """Whether the finding's words beside the character's name are lower-case words (the
    NER ran the name into the thing: "Pikachu keychain")."""
    rest = _WORDS.findall(text[start:s] + " " + text[e:end])
    return bool(rest) and all(w.islower() for w in rest)


def _theme_after(text: str, end: int) -> bool:
    """A theme word among the three words after the name: the name says what the thing
    shows (Harry Potter themed cake, a Batman costume, 钢铁侠主题), whoever buys it."""
    after = _NEXT_WORDS.match(text, end)
    return bool(
        (after and _THEME.search(text, end, after.end())) or _THEME.match(text, end, end + 6)
    )


def _theme_before(text: str, start: int) -> bool:
    """A theme word among the three words before the name (the Frozen costume Elsa ...):
    also where a person is meant (a themed party for Elsa), so the caller asks only when
    the sentence holds no one's record."""
    before = _PREV_WORDS.search(text, max(0, start - 40), start)
    if before and _THEME.search(text, before.start(), start):
        return True
    return bool(_THEME.search(text, max(0, start - 4), start))
