import os

from django.core.asgi import get_asgi_application

from dnaportal import datadir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
datadir.ensure()  # a server starting sets its portal up
application = get_asgi_application()
