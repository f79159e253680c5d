from porttrust_shared.migrations import run_env
from whitelist.models import Base
from whitelist.settings import Settings

run_env(Base.metadata, Settings().database_url)
