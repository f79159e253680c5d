from credit.models import Base
from credit.settings import Settings
from porttrust_shared.migrations import run_env

run_env(Base.metadata, Settings().database_url)
