# placeholder: replaced by the notifications work (real aiosmtpd server fixture)
