"""The FastAPI application: REST API, SPARQL and Cypher endpoints, and the explorer.

``create_app(settings, store)`` builds an app around a given store (tests, embedding); ``serve(settings)`` opens the
configured store and runs uvicorn (used by ``kg serve``); ``app_factory()`` is for ``uvicorn --factory``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.deps import SUPERVISOR_ENV, AppState, StoreFactory
from api.errors import install_error_handlers
from api.explorer.network import vis_assets_dir
from api.explorer.views import STATIC_DIR, html_error_renderer
from api.explorer.views import router as explorer_router
from api.limits import BodyLimitMiddleware
from api.routes import cypher, graph, sparql, story, write
from kg.settings import Settings, get_settings
from kg.store.base import GraphStore

DESCRIPTION = """A knowledge graph of Chinese local history.

Every error has the shape `{"error": {"status", "code", "message", "detail"}}`.
Read endpoints need `Authorization: Bearer <KG_READ_TOKEN>` only when that token is set;
`POST /api/review` and `POST /api/reload` always need `Authorization: Bearer <KG_WRITE_TOKEN>`.
"""


def open_store(settings: Settings) -> GraphStore:
    """The store named by the settings: Neo4j when ``KG_NEO4J_URI`` is set, else the embedded Oxigraph store.

    The embedded store is opened read-only, so ``kg load`` can write to it while the server runs;
    ``POST /api/reload`` then shows the new data.
    """
    if settings.uses_neo4j:
        from kg.store.neo4j_store import Neo4jStore

        return Neo4jStore(settings)
    from kg.store.rdf_store import OxigraphStore

    path = settings.data_dir / "oxigraph"
    if not path.exists():
        OxigraphStore(path).close()  # create an empty store (with the ontology) on first start
    return OxigraphStore(path, read_only=True)


def create_app(
    settings: Settings | None = None,
    store: GraphStore | None = None,
    *,
    store_factory: StoreFactory | None = open_store,
) -> FastAPI:
    """Build the app. Without ``store`` the store is opened with ``store_factory(settings)``.

    ``POST /api/reload`` closes the store and opens it again with ``store_factory``.
    """
    settings = settings or get_settings()
    if store is None:
        if store_factory is None:
            raise ValueError("create_app needs a store or a store_factory")
        store = store_factory(settings)
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: AppState = app.state.kg
        state.start()
        yield
        state.shutdown()

    app = FastAPI(title="Gazetteer knowledge graph", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.kg = AppState(settings=settings, store=store, factory=store_factory)
    app.state.html_error_renderer = html_error_renderer
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_kb * 1024)

    app.include_router(graph.health_router)
    app.include_router(graph.router)
    app.include_router(story.router)
    app.include_router(write.router)
    app.include_router(sparql.router)
    app.include_router(cypher.router)
    app.include_router(explorer_router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.mount("/vendor/vis", StaticFiles(directory=str(vis_assets_dir())), name="vendor-vis")

    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.app:app_factory``: settings from the environment (``KG_*``)."""
    return create_app(get_settings())


def prepare_indexes(settings: Settings) -> None:
    """Save the embedded store's indexes next to it unless the saved ones are current, so that every worker
    reads them from that file rather than from the store (:mod:`kg.store.index_file`)."""
    from kg.store import index_file

    path = settings.data_dir / "oxigraph"
    if path.exists() and index_file.is_current(path):
        return
    store = open_store(settings)
    warm = getattr(store, "warm", None)
    if callable(warm):
        warm()
    store.close()


WORKER_START_S = 300
"""How long uvicorn waits for a (re)started serving process to answer; one whose indexes file is stale reads
them from the store first (30-50 s for the benchmark graph)."""


def serve(settings: Settings) -> None:
    """Run the API with uvicorn on ``settings.host``:``settings.port`` until interrupted, in
    ``settings.serve_workers`` processes (uvicorn's supervisor; ``POST /api/reload`` has it replace them)."""
    import uvicorn

    logging.basicConfig(level=settings.log_level.upper())
    if settings.serve_workers <= 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level=settings.log_level.lower(), access_log=False)
        return
    if not settings.uses_neo4j:
        prepare_indexes(settings)
    os.environ["KG_DATA_DIR"] = str(settings.data_dir)  # the workers read their settings from the environment
    os.environ[SUPERVISOR_ENV] = str(os.getpid())
    uvicorn.run("api.app:app_factory", factory=True, workers=settings.serve_workers, host=settings.host,
                port=settings.port, log_level=settings.log_level.lower(), access_log=False,
                timeout_worker_healthcheck=WORKER_START_S)
