"""The press office's web app (Vietnamese, server-rendered, no build step) and the offline API docs.

Pages: sign-in (people.py), search / article / coverage dashboard (pages_press.py), incident triage
(pages_security.py); `install.install_web(app)` puts them, /static and /docs on the API's app.
"""
