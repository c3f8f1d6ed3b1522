"""Bank payment files: the Zengin incoming-transfer notice (振込入金通知) reader, the payments CSV
reader, and the payer-name key both are matched on."""

from calsreg.billing.zengin.names import normalise_payer_name
from calsreg.billing.zengin.parser import (
    AccountStatement,
    TransferNoticeFile,
    TransferRecord,
    parse_transfer_notice,
)
from calsreg.billing.zengin.problems import (
    CsvFileRefused,
    PaymentFileRefused,
    RecordProblem,
    ZenginFileRefused,
)

__all__ = [
    "AccountStatement",
    "CsvFileRefused",
    "PaymentFileRefused",
    "RecordProblem",
    "TransferNoticeFile",
    "TransferRecord",
    "ZenginFileRefused",
    "normalise_payer_name",
    "parse_transfer_notice",
]
