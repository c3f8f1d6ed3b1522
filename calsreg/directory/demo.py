"""Demo directory: Niigata Prefecture's twelve regional development bureaus and fictional supervisors.

The offices are public names with approximate addresses and switchboard-style numbers. The people are
invented; their addresses use the reserved ``.example`` top-level domain (RFC 2606), which can never
be delivered to anyone, and their direct lines are the office's number with other last digits. The
data goes through the same CSV import as the help desk's own file, so the demo exercises that path.
"""

from __future__ import annotations

from dataclasses import dataclass

from calsreg.directory import csv_format
from calsreg.directory.services import directory_import_csv
from calsreg.records.services import Actor

ORGANISATION_CODE = "15"  # Niigata's prefecture code (JIS X 0401)
ORGANISATION_NAME = "新潟県"
EMAIL_DOMAIN = "pref-niigata.example"


@dataclass(frozen=True)
class _Office:
    code: str
    bureau: str  # the 地域振興局's place name
    slug: str  # mail subdomain
    postcode: str
    address: str
    phone: str
    people: tuple[tuple[str, str, str, str], ...]  # (title label, name, kana, mail local part)


_CHIEF, _STAFF, _GENERAL = "主任監督員", "監督員", "総括監督員"

_OFFICES = (
    _Office(
        "1501",
        "村上",
        "murakami",
        "958-8501",
        "村上市田端町4-25",
        "0254-53-8372",
        (
            (_CHIEF, "佐藤　健二", "サトウ　ケンジ", "sato.k"),
            (_STAFF, "鈴木　美穂", "スズキ　ミホ", "suzuki.m"),
            (_STAFF, "高橋　誠", "タカハシ　マコト", "takahashi.m"),
        ),
    ),
    _Office(
        "1502",
        "新発田",
        "shibata",
        "957-8511",
        "新発田市豊町3-3-2",
        "0254-26-9160",
        (
            (_CHIEF, "渡辺　大輔", "ワタナベ　ダイスケ", "watanabe.d"),
            (_STAFF, "小林　由美", "コバヤシ　ユミ", "kobayashi.y"),
            (_STAFF, "加藤　拓也", "カトウ　タクヤ", "kato.t"),
        ),
    ),
    _Office(
        "1503",
        "新潟",
        "niigata",
        "950-0965",
        "新潟市中央区新光町4-1",
        "025-280-5311",
        (
            (_GENERAL, "五十嵐　修", "イガラシ　オサム", "igarashi.o"),
            (_CHIEF, "山田　直樹", "ヤマダ　ナオキ", "yamada.n"),
            (_STAFF, "本間　彩", "ホンマ　アヤ", "homma.a"),
            (_STAFF, "斎藤　恵", "サイトウ　メグミ", "saito.m"),
        ),
    ),
    _Office(
        "1504",
        "三条",
        "sanjo",
        "955-0055",
        "三条市興野1-13-45",
        "0256-36-2161",
        (
            (_CHIEF, "阿部　浩之", "アベ　ヒロユキ", "abe.h"),
            (_STAFF, "小池　翔太", "コイケ　ショウタ", "koike.s"),
            (_STAFF, "長谷川　聡", "ハセガワ　サトシ", "hasegawa.s"),
        ),
    ),
    _Office(
        "1505",
        "長岡",
        "nagaoka",
        "940-8567",
        "長岡市沖田2-173-2",
        "0258-38-2511",
        (
            (_GENERAL, "丸山　真理子", "マルヤマ　マリコ", "maruyama.m"),
            (_CHIEF, "星野　亮", "ホシノ　リョウ", "hoshino.r"),
            (_STAFF, "石田　和也", "イシダ　カズヤ", "ishida.k"),
            (_STAFF, "近藤　千尋", "コンドウ　チヒロ", "kondo.c"),
        ),
    ),
    _Office(
        "1506",
        "魚沼",
        "uonuma",
        "946-0021",
        "魚沼市佐梨682-2",
        "025-792-5011",
        (
            (_CHIEF, "樋口　伸一", "ヒグチ　シンイチ", "higuchi.s"),
            (_STAFF, "小川　隆", "オガワ　タカシ", "ogawa.t"),
            (_STAFF, "田村　香織", "タムラ　カオリ", "tamura.k"),
        ),
    ),
    _Office(
        "1507",
        "南魚沼",
        "minamiuonuma",
        "949-6680",
        "南魚沼市六日町620-2",
        "025-770-2411",
        (
            (_CHIEF, "池田　俊介", "イケダ　シュンスケ", "ikeda.s"),
            (_STAFF, "坂井　弘樹", "サカイ　ヒロキ", "sakai.h"),
            (_STAFF, "山崎　陽子", "ヤマザキ　ヨウコ", "yamazaki.y"),
        ),
    ),
    _Office(
        "1508",
        "十日町",
        "tokamachi",
        "948-0004",
        "十日町市下川原町43",
        "025-757-5311",
        (
            (_CHIEF, "清水　勇気", "シミズ　ユウキ", "shimizu.y"),
            (_STAFF, "関　正人", "セキ　マサト", "seki.m"),
            (_STAFF, "若林　優", "ワカバヤシ　ユウ", "wakabayashi.y"),
        ),
    ),
    _Office(
        "1509",
        "柏崎",
        "kashiwazaki",
        "945-8511",
        "柏崎市田中26-39",
        "0257-22-4111",
        (
            (_CHIEF, "中村　哲也", "ナカムラ　テツヤ", "nakamura.t"),
            (_STAFF, "遠藤　沙織", "エンドウ　サオリ", "endo.s"),
            (_STAFF, "松井　敦", "マツイ　アツシ", "matsui.a"),
        ),
    ),
    _Office(
        "1510",
        "上越",
        "joetsu",
        "943-8502",
        "上越市春日山町3-8-34",
        "025-524-5611",
        (
            (_GENERAL, "今井　浩二", "イマイ　コウジ", "imai.k"),
            (_CHIEF, "桑原　智子", "クワバラ　トモコ", "kuwabara.t"),
            (_STAFF, "内山　達也", "ウチヤマ　タツヤ", "uchiyama.t"),
            (_STAFF, "金子　健太", "カネコ　ケンタ", "kaneko.k"),
        ),
    ),
    _Office(
        "1511",
        "糸魚川",
        "itoigawa",
        "941-8501",
        "糸魚川市南押上1-15-1",
        "025-552-2011",
        (
            (_CHIEF, "白井　美咲", "シライ　ミサキ", "shirai.m"),
            (_STAFF, "土田　孝", "ツチダ　タカシ", "tsuchida.t"),
            (_STAFF, "本田　早紀", "ホンダ　サキ", "honda.s"),
        ),
    ),
    _Office(
        "1512",
        "佐渡",
        "sado",
        "952-1292",
        "佐渡市千種232",
        "0259-74-3311",
        (
            (_CHIEF, "小野　康弘", "オノ　ヤスヒロ", "ono.y"),
            (_STAFF, "藤田　拓海", "フジタ　タクミ", "fujita.t"),
            (_STAFF, "野口　麻衣", "ノグチ　マイ", "noguchi.m"),
        ),
    ),
)


def demo_directory_rows() -> list[dict[str, str]]:
    """The demo directory as CSV rows keyed by column key (see ``csv_format.COLUMNS``)."""
    rows = []
    for office in _OFFICES:
        exchange = office.phone.rsplit("-", 1)[0]
        for index, (title, name, kana, local_part) in enumerate(office.people, start=1):
            rows.append(
                {
                    "organisation_code": ORGANISATION_CODE,
                    "organisation_name": ORGANISATION_NAME,
                    "office_code": office.code,
                    "office_name": f"{office.bureau}地域振興局 地域整備部",
                    "office_postcode": office.postcode,
                    "office_address": f"新潟県{office.address}",
                    "office_phone": office.phone,
                    "code": f"{office.code}{index:02d}",
                    "name": name,
                    "kana": kana,
                    "title": title,
                    "email": f"{local_part}@{office.slug}.{EMAIL_DOMAIN}",
                    "phone": f"{exchange}-{8100 + index}",
                    "active": "1",
                }
            )
    return rows


def load_demo_directory(*, actor: Actor) -> None:
    """Create or refresh the demo directory. Idempotent: a second run changes nothing and writes no
    audit events. Raises ``RuntimeError`` if the demo data no longer passes the import's validation."""
    report = directory_import_csv(content=csv_format.write(demo_directory_rows()), actor=actor)
    if not report.ok:
        raise RuntimeError("demo directory rejected by the import:\n" + "\n".join(report.lines()))
