"""Ralph's LRS for the browser tests: `python ralph_server.py HOST PORT`, set up by RALPH_* variables.

What `ralph runserver -b fs` starts, without its code reloader, and with one fix: Ralph's
file-system LRS backend writes its statements file with the operation "create", which refuses
every write after the first ("... already exists and overwrite is not allowed"; Ralph 4.2 to 5.1).
The file is a JSON-lines log of statements, so "append" is what the backend means.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    from ralph.api import app

    uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
