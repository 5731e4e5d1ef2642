import { STATUS_CODES } from 'node:http';

/** The languages Problems are written in; the first is the default. */
export const PROBLEM_LOCALES = ['en', 'zh-CN'] as const;
export type ProblemLocale = (typeof PROBLEM_LOCALES)[number];
export const DEFAULT_PROBLEM_LOCALE: ProblemLocale = 'en';

/** One text in every supported language. */
export type Localized = Readonly<Record<ProblemLocale, string>>;

/**
 * Detail templates of a kind, by variant. `default` is keyed by the kind's own
 * `i18nKey`; another variant `v` by `<i18nKey>.<v>`. Placeholders are
 * `{snake_case}` names, filled from the Problem's `i18n_args`; every language
 * of a template uses the same placeholders.
 */
export type DetailTemplates = Readonly<Record<string, Localized>>;

/**
 * Every problem kind the service can answer with. `status`, `code` and `type`
 * are part of the public contract: clients branch on them, so they never change
 * once published. Codes follow `302 SSS NN`: service 302, HTTP status, sequence.
 */
export interface ProblemDefinition {
  readonly status: number;
  readonly code: number;
  /** Last segment of the `type` URI. */
  readonly slug: string;
  /** English title: same for every occurrence of the kind (RFC 9457 section 3.1.3). */
  readonly title: string;
  readonly i18nKey: string;
  /** The title in every supported language (`titles.en === title`). */
  readonly titles: Localized;
  /** When the kind happens, for its documentation page. */
  readonly when: Localized;
  /** What the caller can do about it, for its documentation page. */
  readonly action: Localized;
  /** Detail templates (see DetailTemplates); empty when the detail is always dynamic or the title. */
  readonly details: DetailTemplates;
  /** Arguments of the templates that are numbers, not strings, in `i18n_args`. */
  readonly numericArgs: readonly string[];
}

interface KindText {
  title: Localized;
  when: Localized;
  action: Localized;
  details?: DetailTemplates;
  numericArgs?: readonly string[];
}

const define = (
  status: number,
  sequence: number,
  slug: string,
  text: KindText,
): ProblemDefinition => ({
  status,
  code: 302_000_00 + status * 100 + sequence,
  slug,
  title: text.title.en,
  i18nKey: `error.${slug.replace(/-/g, '_')}`,
  titles: text.title,
  when: text.when,
  action: text.action,
  details: text.details ?? {},
  numericArgs: text.numericArgs ?? [],
});

const t = (en: string, zh: string): Localized => ({ en, 'zh-CN': zh });

export const PROBLEM_CATALOG = {
  invalidRequest: define(400, 1, 'invalid-request', {
    title: t('Invalid Request Parameters', '请求参数无效'),
    when: t(
      'A path parameter, query parameter or body field is invalid; `errors` names each one.',
      '路径参数、查询参数或请求体字段无效；`errors` 会逐一列出。',
    ),
    action: t(
      'Correct the fields listed in `errors` and send the request again.',
      '修正 `errors` 中列出的字段后重新发送请求。',
    ),
    details: { default: t('The request is invalid', '请求无效') },
  }),
  malformedBody: define(400, 2, 'malformed-body', {
    title: t('Malformed Request Body', '请求体格式错误'),
    when: t('The request body is not valid JSON.', '请求体不是有效的 JSON。'),
    action: t(
      'Send a valid JSON body with `Content-Type: application/json`.',
      '发送有效的 JSON 请求体，并设置 `Content-Type: application/json`。',
    ),
    details: { default: t('The request body is not valid JSON', '请求体不是有效的 JSON') },
  }),
  malformedRequest: define(400, 3, 'malformed-request', {
    title: t('Malformed HTTP Request', 'HTTP 请求格式错误'),
    when: t(
      'The request could not be parsed as HTTP at all (answered before any route runs, always in English).',
      '请求根本无法按 HTTP 解析（在任何路由之前应答，始终为英文）。',
    ),
    action: t('Fix the client or proxy that sends the request.', '修复发送该请求的客户端或代理。'),
    details: { default: t('The request is not valid HTTP', '请求不是有效的 HTTP 请求') },
  }),
  unauthorized: define(401, 1, 'unauthorized', {
    title: t('Unauthorized', '未授权'),
    when: t(
      'No bearer token was sent, or the token was refused (malformed, expired, wrongly signed, or bound to a session that ended). The answer never says which check failed.',
      '未发送 Bearer 令牌，或令牌被拒绝（格式错误、已过期、签名错误，或绑定的会话已结束）。响应不会说明是哪项检查失败。',
    ),
    action: t(
      'Sign in again to get a new token and send it as `Authorization: Bearer <token>`.',
      '重新登录获取新令牌，并以 `Authorization: Bearer <token>` 发送。',
    ),
    details: {
      default: t('A valid bearer token is required', '需要有效的 Bearer 令牌'),
      token_missing: t('A bearer token is required', '需要提供 Bearer 令牌'),
      token_rejected: t('The bearer token was not accepted', 'Bearer 令牌未被接受'),
    },
  }),
  forbidden: define(403, 1, 'forbidden', {
    title: t('Forbidden', '禁止访问'),
    when: t('The request is not allowed for this caller.', '该调用方不允许执行此请求。'),
    action: t(
      'Use a token that is allowed to perform the operation.',
      '使用有权执行该操作的令牌。',
    ),
  }),
  notResourceOwner: define(403, 2, 'not-resource-owner', {
    title: t('Access To Another User Denied', '禁止访问其他用户的资源'),
    when: t(
      "The path names a user other than the token's own user (even for an admin).",
      '路径中的用户不是令牌所属的用户（管理员也不例外）。',
    ),
    action: t(
      "Use your own user id in the path, or an admin route for other users' sessions.",
      '在路径中使用自己的用户 ID，或通过管理员接口查看其他用户的会话。',
    ),
    details: {
      default: t(
        "The token's user may only access their own resources",
        '令牌所属用户只能访问自己的资源',
      ),
    },
  }),
  roleRequired: define(403, 3, 'role-required', {
    title: t('Insufficient Role', '角色权限不足'),
    when: t(
      'The token lacks the role the operation requires (admin, or the service role).',
      '令牌缺少该操作所需的角色（管理员或服务角色）。',
    ),
    action: t('Use a token that carries the required role.', '使用具备所需角色的令牌。'),
    details: {
      default: t(
        'The token does not carry a role this operation requires',
        '令牌不具备此操作所需的角色',
      ),
      one_role: t('This operation requires the {role} role', '此操作需要 {role} 角色'),
      two_roles: t(
        'This operation requires the {role} role or the {other_role} role',
        '此操作需要 {role} 角色或 {other_role} 角色',
      ),
    },
  }),
  userNotFound: define(404, 1, 'user-not-found', {
    title: t('User Not Found', '用户不存在'),
    when: t(
      "The token's own user, or the user an admin named, does not exist.",
      '令牌所属的用户或管理员指定的用户不存在。',
    ),
    action: t(
      'Check the user id; a user exists once a session has been recorded for them.',
      '检查用户 ID；用户在记录第一个会话后才会存在。',
    ),
    details: { default: t('User {user_id} does not exist', '用户 {user_id} 不存在') },
  }),
  sessionNotFound: define(404, 2, 'session-not-found', {
    title: t('Session Not Found', '会话不存在'),
    when: t(
      "No such session, or it is not the caller's (the two are indistinguishable).",
      '会话不存在，或不属于调用方（两者无法区分）。',
    ),
    action: t(
      'Check the session id; list your sessions to find the current ones.',
      '检查会话 ID；可列出自己的会话以查找当前会话。',
    ),
    details: { default: t('Session {session_id} does not exist', '会话 {session_id} 不存在') },
  }),
  tenantNotFound: define(404, 4, 'tenant-not-found', {
    title: t('Tenant Not Found', '租户不存在'),
    when: t('No tenant has the id the path names.', '路径中指定的租户 ID 不存在。'),
    action: t(
      'Check the tenant id; `GET /api/tenants` lists the tenants.',
      '检查租户 ID；`GET /api/tenants` 可列出所有租户。',
    ),
    details: { default: t('Tenant {tenant_id} does not exist', '租户 {tenant_id} 不存在') },
  }),
  routeNotFound: define(404, 3, 'route-not-found', {
    title: t('Route Not Found', '路由不存在'),
    when: t(
      'No route matches the path (or no problem type has that name).',
      '没有与该路径匹配的路由（或没有该名称的问题类型）。',
    ),
    action: t(
      'Check the path against the API documentation at `/docs`.',
      '对照 `/docs` 上的 API 文档检查路径。',
    ),
    details: {
      default: t('No route matches {method} {path}', '没有与 {method} {path} 匹配的路由'),
    },
  }),
  // Shared Signals streams and Back-Channel Logout relying parties (@session-service/signals).
  streamNotFound: define(404, 10, 'stream-not-found', {
    title: t('Stream Not Found', '事件流不存在'),
    when: t(
      "No Shared Signals stream has that `stream_id`, or it is not the caller's (the two are indistinguishable).",
      '没有该 `stream_id` 的共享信号事件流，或该事件流不属于调用方（两者无法区分）。',
    ),
    action: t(
      'Read the configuration endpoint without `stream_id` to list your streams.',
      '不带 `stream_id` 读取配置端点以列出自己的事件流。',
    ),
    details: { default: t('Stream {stream_id} does not exist', '事件流 {stream_id} 不存在') },
  }),
  relyingPartyNotFound: define(404, 11, 'relying-party-not-found', {
    title: t('Relying Party Not Found', '依赖方不存在'),
    when: t(
      'No Back-Channel Logout relying party is registered under that `client_id`.',
      '没有以该 `client_id` 注册的后端通道登出依赖方。',
    ),
    action: t(
      'List the relying parties to find the registered ones.',
      '列出依赖方以查找已注册的依赖方。',
    ),
    details: {
      default: t('Relying party {client_id} does not exist', '依赖方 {client_id} 不存在'),
    },
  }),
  methodNotAllowed: define(405, 1, 'method-not-allowed', {
    title: t('Method Not Allowed', '方法不被允许'),
    when: t(
      'The route exists, but not with this method; `Allow` lists the methods it has.',
      '路由存在，但不支持该方法；`Allow` 响应头列出了支持的方法。',
    ),
    action: t('Use one of the methods listed in `Allow`.', '使用 `Allow` 中列出的方法之一。'),
    details: {
      default: t(
        '{method} is not allowed on {path}; allowed: {allowed}',
        '{path} 不允许使用 {method} 方法；允许的方法：{allowed}',
      ),
    },
  }),
  requestTimeout: define(408, 1, 'request-timeout', {
    title: t('Request Timeout', '请求超时'),
    when: t(
      'The request (headers and body) did not arrive within the time limit (`HTTP_REQUEST_TIMEOUT_MS`); answered before any route runs, always in English, and the connection is closed.',
      '请求（请求头和请求体）未在时限（`HTTP_REQUEST_TIMEOUT_MS`）内到达；在任何路由之前应答，始终为英文，并关闭连接。',
    ),
    action: t(
      'Send the whole request at once, on a new connection.',
      '在新连接上一次性发送完整请求。',
    ),
    details: {
      default: t('The request was not received within the time limit', '未在时限内收到完整请求'),
    },
  }),
  conflict: define(409, 1, 'conflict', {
    title: t('Conflict', '冲突'),
    when: t(
      'The request conflicts with the current state of the resource.',
      '请求与资源的当前状态冲突。',
    ),
    action: t(
      'Read the resource again, then retry if it still applies.',
      '重新读取资源，如仍适用再重试。',
    ),
  }),
  sessionNotActive: define(409, 2, 'session-not-active', {
    title: t('Session Not Active', '会话未处于活动状态'),
    when: t(
      'Touching a session that has been revoked or has expired.',
      '对已撤销或已过期的会话记录活动。',
    ),
    action: t(
      'Do not touch it again: the user has to sign in to get a new session.',
      '不要再对其记录活动：用户需要重新登录以获得新会话。',
    ),
    details: {
      default: t('Session {session_id} is {status}', '会话 {session_id} 的状态为 {status}'),
    },
  }),
  subjectTaken: define(409, 3, 'subject-taken', {
    title: t('Subject Already Mapped', '身份主体已被映射'),
    when: t(
      'Recording a sign-in whose `subject` (at its `issuer`) is already mapped to another user; nothing was recorded.',
      '记录登录时，其 `subject`（在其 `issuer` 下）已映射到另一个用户；未记录任何内容。',
    ),
    action: t(
      "Check the user id and the identity provider's subject; a subject names one user for good.",
      '检查用户 ID 和身份提供方的 subject；一个 subject 只能对应一个用户。',
    ),
    details: {
      default: t(
        'Subject {subject} of issuer {issuer} is mapped to another user',
        '签发方 {issuer} 的主体 {subject} 已映射到另一个用户',
      ),
    },
  }),
  tenantExists: define(409, 4, 'tenant-exists', {
    title: t('Tenant Already Exists', '租户已存在'),
    when: t(
      'Creating a tenant whose id another tenant already has; nothing was changed.',
      '创建租户时，该 ID 已被另一个租户使用；未做任何更改。',
    ),
    action: t(
      'Change the existing tenant with `PATCH /api/tenants/{tenant_id}`, or choose another id.',
      '使用 `PATCH /api/tenants/{tenant_id}` 修改已有租户，或换用其他 ID。',
    ),
    details: { default: t('Tenant {tenant_id} already exists', '租户 {tenant_id} 已存在') },
  }),
  sessionLimitReached: define(409, 5, 'session-limit-reached', {
    title: t('Session Limit Reached', '会话数已达上限'),
    when: t(
      'Recording a sign-in of a user who already holds as many active sessions as their limit allows, under the `deny` policy; nothing was recorded.',
      '记录登录时，该用户的活动会话数已达到其上限，且策略为 `deny`；未记录任何内容。',
    ),
    action: t(
      'Sign one of the user’s sessions out first, or raise the limit (`max_sessions` of the user, the tenant, or `SESSION_MAX_PER_USER`).',
      '先注销该用户的某个会话，或提高上限（用户、租户的 `max_sessions`，或 `SESSION_MAX_PER_USER`）。',
    ),
    details: {
      default: t(
        'User {user_id} has reached their limit of active sessions ({max_sessions})',
        '用户 {user_id} 的活动会话数已达上限 {max_sessions}',
      ),
    },
    numericArgs: ['max_sessions'],
  }),
  relyingPartyExists: define(409, 10, 'relying-party-exists', {
    title: t('Relying Party Already Exists', '依赖方已注册'),
    when: t(
      'Registering a relying party whose `client_id` is already registered; nothing changed.',
      '注册的依赖方 `client_id` 已被注册；未做任何更改。',
    ),
    action: t(
      'Delete the registered relying party first, or use another `client_id`.',
      '先删除已注册的依赖方，或使用其他 `client_id`。',
    ),
    details: {
      default: t('Relying party {client_id} is already registered', '依赖方 {client_id} 已注册'),
    },
  }),
  payloadTooLarge: define(413, 1, 'payload-too-large', {
    title: t('Payload Too Large', '请求体过大'),
    when: t('The request body exceeds the limit (100 kB).', '请求体超过限制（100 kB）。'),
    action: t('Send a smaller body.', '发送更小的请求体。'),
    details: {
      default: t('The request body exceeds the size limit', '请求体超过大小限制'),
    },
  }),
  unsupportedMediaType: define(415, 1, 'unsupported-media-type', {
    title: t('Unsupported Media Type', '不支持的媒体类型'),
    when: t(
      'The body is not `application/json`, or uses a charset or content encoding the service cannot read.',
      '请求体不是 `application/json`，或使用了服务无法读取的字符集或内容编码。',
    ),
    action: t(
      'Send UTF-8 JSON with `Content-Type: application/json`, without an unsupported `Content-Encoding`.',
      '以 `Content-Type: application/json` 发送 UTF-8 编码的 JSON，且不要使用不支持的 `Content-Encoding`。',
    ),
    details: {
      default: t('The request body could not be read', '无法读取请求体'),
      media_type: t(
        'Request bodies are read as application/json only (this one: {media_type})',
        '请求体只按 application/json 读取（此请求：{media_type}）',
      ),
    },
  }),
  tooManyRequests: define(429, 1, 'too-many-requests', {
    title: t('Too Many Requests', '请求过多'),
    when: t(
      'A rate limit was reached: per client address before authentication, per user after it.',
      '达到了速率限制：认证前按客户端地址计数，认证后按用户计数。',
    ),
    action: t(
      'Wait the number of seconds in `Retry-After` (also `retry_after`) before retrying.',
      '等待 `Retry-After`（亦即 `retry_after`）给出的秒数后再重试。',
    ),
    details: {
      default: t(
        'Too many requests; retry after {retry_after} s',
        '请求过多，请在 {retry_after} 秒后重试',
      ),
      client_address: t(
        'Too many requests from this client address; retry after {retry_after} s',
        '来自此客户端地址的请求过多，请在 {retry_after} 秒后重试',
      ),
      user: t(
        'Too many requests from this user; retry after {retry_after} s',
        '此用户的请求过多，请在 {retry_after} 秒后重试',
      ),
    },
    numericArgs: ['retry_after'],
  }),
  headersTooLarge: define(431, 1, 'request-header-fields-too-large', {
    title: t('Request Header Fields Too Large', '请求头字段过大'),
    when: t(
      "The request headers exceed Node's limit (16 KB); answered before any route runs, always in English.",
      '请求头超过 Node 的限制（16 KB）；在任何路由之前应答，始终为英文。',
    ),
    action: t(
      'Send fewer or smaller headers (large cookies are the usual cause).',
      '减少或缩小请求头（通常是 Cookie 过大所致）。',
    ),
    details: {
      default: t('The request headers exceed the size limit', '请求头超过大小限制'),
    },
  }),
  internal: define(500, 1, 'internal-error', {
    title: t('Internal Server Error', '服务器内部错误'),
    when: t('An unexpected error occurred in the service.', '服务内部发生了意外错误。'),
    action: t(
      'Retry later; if it persists, report it quoting `request_id`.',
      '稍后重试；如果问题持续，请附上 `request_id` 报告。',
    ),
    details: {
      default: t(
        'An unexpected error occurred; quote the request_id when reporting it',
        '发生意外错误；报告问题时请提供 request_id',
      ),
    },
  }),
  databaseUnavailable: define(503, 1, 'database-unavailable', {
    title: t('Service Unavailable', '服务暂时不可用'),
    when: t(
      'PostgreSQL cannot be reached or does not answer in time.',
      'PostgreSQL 无法连接或未能及时响应。',
    ),
    action: t(
      'Retry after the number of seconds in `Retry-After` (also `retry_after`).',
      '等待 `Retry-After`（亦即 `retry_after`）给出的秒数后重试。',
    ),
    details: {
      default: t(
        'The session store is temporarily unavailable; retry shortly',
        '会话存储暂时不可用，请稍后重试',
      ),
    },
  }),
  queryTimeout: define(503, 3, 'query-timeout', {
    title: t('Request Took Too Long', '请求处理超时'),
    when: t(
      'A database statement of the request ran past the statement time limit and was cancelled; the database itself is reachable, and nothing of that statement was written.',
      '请求的某条数据库语句超过语句时间限制而被取消；数据库本身可以访问，该语句没有写入任何内容。',
    ),
    action: t(
      'Retry after `Retry-After` (a lock held elsewhere is the usual cause); if it keeps happening, narrow the request (filters, a smaller `limit`) or report it quoting `request_id`.',
      '等待 `Retry-After` 后重试（通常是其他操作持有锁所致）；如果持续发生，请缩小请求范围（筛选条件、更小的 `limit`），或附上 `request_id` 报告。',
    ),
    details: {
      default: t(
        'The request took too long and was cancelled; retry shortly',
        '请求处理时间过长已被取消，请稍后重试',
      ),
    },
  }),
  streamsBusy: define(503, 4, 'streams-busy', {
    title: t('Too Many Streamed Lists', '流式列表过多'),
    when: t(
      'As many full lists are streaming from this instance as it allows at once (`DATABASE_STREAM_POOL_SIZE`); the database is fine, the other routes keep answering.',
      '此实例同时进行的完整列表流已达上限（`DATABASE_STREAM_POOL_SIZE`）；数据库正常，其他接口照常响应。',
    ),
    action: t(
      'Retry after `Retry-After`, or page through the list with `limit` and `cursor` instead.',
      '等待 `Retry-After` 后重试，或改用 `limit` 和 `cursor` 分页读取列表。',
    ),
    details: {
      default: t(
        'Too many full lists are streaming at once; retry shortly or page with limit',
        '同时进行的完整列表流过多，请稍后重试或使用 limit 分页',
      ),
    },
  }),
  notReady: define(503, 2, 'not-ready', {
    title: t('Service Not Ready', '服务未就绪'),
    when: t(
      'Readiness check: the database does not answer, or the instance is shutting down.',
      '就绪检查：数据库没有响应，或实例正在关闭。',
    ),
    action: t(
      'Route traffic to another instance; this one recovers by itself or is going away.',
      '将流量转发到其他实例；此实例会自行恢复或即将下线。',
    ),
    details: {
      default: t('The database does not answer', '数据库没有响应'),
      shutting_down: t('The instance is shutting down', '实例正在关闭'),
    },
  }),
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemKind = keyof typeof PROBLEM_CATALOG;

/** Messages that are not tied to one kind (e.g. a body-parser failure mapped by status). */
export const SHARED_DETAILS = {
  body_unreadable: t('The request body could not be read', '无法读取请求体'),
} as const satisfies DetailTemplates;

/** Key of a shared message (see SHARED_DETAILS). */
export const sharedDetailKey = (name: string): string => `error.common.${name}`;

/** The i18n key of one detail template of a kind. */
export function detailKey(definition: ProblemDefinition, variant: string): string {
  return variant === 'default' ? definition.i18nKey : `${definition.i18nKey}.${variant}`;
}

/** The catalog entry whose `type` ends in `slug`, if any. */
export function problemBySlug(slug: string): ProblemDefinition | undefined {
  return Object.values(PROBLEM_CATALOG).find((p) => p.slug === slug);
}

/**
 * The catalog entry for an HTTP status raised by the framework. A status the
 * catalog has no kind for keeps its status, with a generic `http-<status>` kind.
 */
export function problemForStatus(status: number): ProblemDefinition {
  const known = Object.values(PROBLEM_CATALOG).find((p) => p.status === status);
  if (known) return known;
  if (status < 400 || status > 599) return PROBLEM_CATALOG.internal;
  return genericProblem(status);
}

/** The generic `http-<status>` kind of a status the catalog has no entry for. */
export function genericProblem(status: number): ProblemDefinition {
  const reason = STATUS_CODES[status] ?? 'Error';
  const client = status < 500;
  return define(status, 99, `http-${status}`, {
    title: t(reason, reason),
    when: t(
      `The service answered HTTP ${status} (${reason}), a status with no more specific problem type.`,
      `服务以 HTTP ${status}（${reason}）应答，该状态没有更具体的问题类型。`,
    ),
    action: client
      ? t(
          'Check the request against the API documentation at `/docs`.',
          '对照 `/docs` 上的 API 文档检查请求。',
        )
      : t(
          'Retry later; if it persists, report it quoting `request_id`.',
          '稍后重试；如果问题持续，请附上 `request_id` 报告。',
        ),
  });
}

/** A host's own problem type, as `defineProblemType` takes it: text in English or in every language. */
export interface ProblemTypeSpec {
  status: number;
  /** The host's own numbering; must not be a code of the library's catalog. */
  code: number;
  /** Last segment of the `type` URI; must not be a slug of the library's catalog nor `http-<status>`. */
  slug: string;
  title: string | Localized;
  /** When it happens and what to do, for its page under `/problems`. */
  when?: string | Localized;
  action?: string | Localized;
  /** Detail templates by variant (`default` and others), `{placeholder}`s filled from `i18n_args`. */
  details?: Readonly<Record<string, string | Localized>>;
  /** Default `error.<slug with underscores>`. */
  i18nKey?: string;
  numericArgs?: readonly string[];
}

const everyLanguage = (text: string | Localized): Localized =>
  typeof text === 'string'
    ? (Object.fromEntries(PROBLEM_LOCALES.map((l) => [l, text])) as Localized)
    : text;

/**
 * A problem type of the host application: throw `new ProblemError(type, detail)`
 * (or `ProblemError.fromTemplate(type, variant, args)`) and list it in
 * `ProblemModule.forRoot({ problemTypes })` so its page is served with the others.
 */
export function defineProblemType(spec: ProblemTypeSpec): ProblemDefinition {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(spec.slug)) {
    throw new Error(`Problem type slug "${spec.slug}" must be lower-case words joined by "-"`);
  }
  if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
    throw new Error(`Problem type ${spec.slug}: status must be 400 to 599`);
  }
  const title = everyLanguage(spec.title);
  return {
    status: spec.status,
    code: spec.code,
    slug: spec.slug,
    title: title.en,
    i18nKey: spec.i18nKey ?? `error.${spec.slug.replace(/-/g, '_')}`,
    titles: title,
    when: everyLanguage(spec.when ?? title.en),
    action: everyLanguage(spec.action ?? ''),
    details: Object.fromEntries(
      Object.entries(spec.details ?? {}).map(([variant, text]) => [variant, everyLanguage(text)]),
    ),
    numericArgs: spec.numericArgs ?? [],
  };
}

/**
 * Checks a host's problem types against the catalog and each other: a slug or
 * code used twice would make a `type` or `code` mean two things.
 */
export function checkProblemTypes(types: readonly ProblemDefinition[]): void {
  const builtIn = Object.values(PROBLEM_CATALOG);
  const seen = new Set<string>();
  for (const type of types) {
    if (/^http-\d{3}$/.test(type.slug) || builtIn.some((p) => p.slug === type.slug)) {
      throw new Error(`Problem type slug "${type.slug}" is one of the library's`);
    }
    if (builtIn.some((p) => p.code === type.code)) {
      throw new Error(`Problem type ${type.slug}: code ${type.code} is one of the library's`);
    }
    for (const key of [`slug:${type.slug}`, `code:${type.code}`]) {
      if (seen.has(key)) throw new Error(`Problem types: ${key} is given twice`);
      seen.add(key);
    }
  }
}
