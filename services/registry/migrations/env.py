from porttrust_shared.migrations import run_env
from registry.models import Base
from registry.settings import Settings

run_env(Base.metadata, Settings().database_url)
