import os

from django.core.wsgi import get_wsgi_application

from dnaportal import datadir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
datadir.ensure()  # a server starting sets its portal up
application = get_wsgi_application()
