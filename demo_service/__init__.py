"""«情報共有システム（デモ）»: a small, independent relying party of calsreg.

It signs people in through calsreg's OpenID Connect provider (authlib: discovery, authorization code
+ PKCE S256, ID token verified through the JWKS), lists their projects from the ``cals_projects``
claim, and keeps a mirror of projects and members from calsreg's lifecycle events (signed webhooks,
and the pull feed to catch up). It imports nothing from calsreg: it talks to it over HTTP only, as
the real information-sharing service would. Run it with ``python -m demo_service runserver``.
"""
