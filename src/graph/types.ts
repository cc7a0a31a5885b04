import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** The Graph versions served; every route module is registered once per version. */
export type GraphVersion = 'v1.0' | 'beta';

/** A route module: one file per URL segment (graph/routes/). */
export type RouteModule = (app: FastifyInstance, ctx: AppContext, version: GraphVersion) => void;
