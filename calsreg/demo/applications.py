"""Demo applications, submitted through the same validator and service as real ones."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from calsreg.applications.models import Application, Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.core import clock
from calsreg.directory.models import OrdererOffice
from calsreg.records.services import Actor

COMPANIES = (
    ("株式会社越後建設", "カブシキガイシャエチゴケンセツ", "越後 正樹"),
    ("信濃川土木株式会社", "シナノガワドボクカブシキガイシャ", "信田 健二"),
    ("株式会社佐渡工務店", "カブシキガイシャサドコウムテン", "佐渡島 誠"),
    ("新潟舗装工業株式会社", "ニイガタホソウコウギョウカブシキガイシャ", "新井 隆"),
    ("株式会社魚沼組", "カブシキガイシャウオヌマグミ", "魚住 大輔"),
    ("上越造園株式会社", "ジョウエツゾウエンカブシキガイシャ", "上田 恵子"),
)
WORKS = ("護岸設置工事", "道路改良工事", "橋梁補修工事", "砂防堰堤工事", "舗装修繕工事", "法面保護工事")
RIVERS = ("信濃川", "阿賀野川", "荒川", "関川", "魚野川", "加茂川", "国道8号", "県道新潟寺泊線")
PEOPLE = (
    ("田中 一郎", "タナカ イチロウ", "tanaka"),
    ("鈴木 次郎", "スズキ ジロウ", "suzuki"),
    ("高橋 美咲", "タカハシ ミサキ", "takahashi"),
    ("渡辺 健", "ワタナベ ケン", "watanabe"),
    ("小林 由美", "コバヤシ ユミ", "kobayashi"),
)


def demo_payload(*, index: int, office: OrdererOffice, rng: random.Random) -> dict:
    company, company_kana, representative = COMPANIES[index % len(COMPANIES)]
    # Periods around the day the demo is loaded, so the demo's projects can start use now
    # (start_day_check: at most 30 days before the period, never after it).
    start = clock.today() + timedelta(days=rng.randint(-90, 30))
    domain = f"example{index % len(COMPANIES) + 1}.co.jp"
    users = []
    for position, (name, kana, login) in enumerate(rng.sample(PEOPLE, k=rng.randint(2, 4)), start=1):
        users.append(
            {
                "position": position,
                "role": "site_agent" if position == 1 else rng.choice(["chief_engineer", "engineer"]),
                "name": name,
                "kana": kana,
                "email": f"{login}@{domain}",
                "phone": f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "requested_id": login[:10],
            }
        )
    supervisors = list(office.supervisors.filter(active=True).order_by("code")[:2])
    return {
        "office": office.code,
        "project_number": f"R8-{office.code}-{index + 101:04d}",
        "project_name": f"{rng.choice(RIVERS)}{rng.choice(WORKS)}（その{index % 3 + 1}）",
        "project_location": f"{office.name.split('地域振興局')[0]}市 地内",
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=rng.randint(90, 300))).isoformat(),
        "contract_amount": str(rng.randint(8, 300) * 1_100_000),
        "contract_date": (start - timedelta(days=7)).isoformat(),
        "contractor_name": company,
        "contractor_kana": company_kana,
        "contractor_representative": representative,
        "contractor_postcode": "950-0088",
        "contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
        "contractor_phone": "025-244-1234",
        "applicant_name": users[0]["name"],
        "applicant_kana": users[0]["kana"],
        "applicant_email": users[0]["email"],
        "applicant_phone": users[0]["phone"],
        "billing_addressee": company,
        "billing_department": "工事部",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "users": users,
        "supervisor_ids": [s.pk for s in supervisors],
        "terms_accepted": True,
    }


def load_demo_applications(*, count: int = 14) -> int:
    """Submit ``count`` demo applications unless some already exist; returns how many were made."""
    if Application.objects.exists():
        return 0
    rng = random.Random(20261124)
    offices = list(OrdererOffice.objects.filter(active=True).order_by("code"))
    for index in range(count):
        office = offices[index % len(offices)]
        raw = demo_payload(index=index, office=office, rng=rng)
        data = validate_application(json.loads(json.dumps(raw)), require_directory_supervisors=True)
        application_submit(
            data=data,
            channel=Channel.WEB if index % 3 else Channel.API,
            actor=Actor.applicant(raw["applicant_email"]),
            originals=[submission_as_evidence(raw=raw, channel=Channel.WEB if index % 3 else Channel.API)],
        )
    return count
