"""A fake WeChat API server for tests: real URL paths, real JSON, real error codes.

It runs in a daemon thread on 127.0.0.1 and a free port, so wechatpy's real client code talks to it
over HTTP exactly as it would to api.weixin.qq.com. Tests script it:

    session_key = fake.add_code("code-1", "openid-alice")   # one-time wx.login code
    fake.grant("openid-alice", "TEMPLATE", 1)                # one accepted one-time subscription
    fake.fail_next("sns/jscode2session", errcode=45011)      # the next matching call fails once
    fake.fail_next("sns/jscode2session", http_status=503)
    fake.fail_next("sns/jscode2session", delay=2)            # longer than the client's timeout
    fake.fail_randomly("cgi-bin/message/subscribe/send", rate=0.1, seed=1, timeout=2)  # 10 %: 5xx or timeouts
    fake.refuse("openid-bob", 43101)                         # every push to bob answers 43101

Subscribe messages follow WeChat: a user has no allowance until the test grants one (as if the user
had accepted `wx.requestSubscribeMessage`); each send uses one, and `grant(..., n=None)` is a
long-term subscription that never runs out. Every call that needs an access token (pushes, content
safety, mini-program codes) checks it: none is 41001, one that is not the latest issued is 40001, an
expired one 42001. Issuing a token invalidates the previous one at once (real WeChat allows five
minutes of overlap; tests want the strict case). The token situations tests script:

    # a reset fake has issued no token yet: whatever token a caller sends is 40001
    fake.revoke_tokens()                                     # every token issued so far is 40001 now
    fake.expire_token()                                      # the current token answers 42001
    fake.issue_token()                                       # as if someone else fetched one
"""

import io
import json
import random
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import segno
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

APPID = "wx-fake-appid"
SECRET = "fake-app-secret"

# Subscribe-message value limits by field kind (the key without its trailing number).
VALUE_LIMITS = {"thing": 20, "phrase": 5, "name": 10}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


@dataclass
class Call:
    method: str
    path: str  # without the leading slash, e.g. "sns/jscode2session"
    args: dict
    json: dict | None
    #: What it was answered, once answered: "ok", "errcode 43101", "http 503", "timeout" (held, then dropped or
    #: carried out: "timeout, then ok")...
    answer: str = ""
    received: float = field(default_factory=time.monotonic)
    seconds: float = 0.0  # from receiving the call to answering it (as far as this server can see)


@dataclass
class Failure:
    errcode: int | None = None
    errmsg: str | None = None
    http_status: int | None = None
    delay: float = 0.0
    dropped: bool = False  # after the delay, the call is not carried out (it never reached WeChat)


@dataclass
class RandomFailures:
    """A share of the calls to one path fail, drawn from a seeded RNG: an HTTP 5xx, or a timeout."""

    rate: float
    rng: random.Random
    http_statuses: tuple[int, ...]
    timeout: float | None  # how long a timed-out call is held; None: no timeouts
    late: bool  # a timed-out call is still carried out afterwards (else it never reached WeChat)
    drawn: Counter = field(default_factory=Counter)  # "http 503", "timeout", ... as drawn

    def draw(self) -> Failure | None:
        if self.rng.random() >= self.rate:
            return None
        kinds: list[int | None] = [*self.http_statuses, *([None] if self.timeout else [])]
        status = self.rng.choice(kinds)
        if status is None:
            self.drawn["timeout"] += 1
            return Failure(delay=self.timeout or 0.0, dropped=not self.late)
        self.drawn[f"http {status}"] += 1
        return Failure(http_status=status)


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    codes: dict[str, dict] = field(default_factory=dict)  # code -> jscode2session answer
    used_codes: set[str] = field(default_factory=set)
    allowances: dict[tuple[str, str], int | None] = field(default_factory=dict)
    failures: list[tuple[str, Failure]] = field(default_factory=list)
    random_failures: dict[str, RandomFailures] = field(default_factory=dict)
    refusals: dict[str, tuple[int, str]] = field(default_factory=dict)  # openid -> errcode, errmsg
    token: str | None = None
    token_expired: bool = False
    token_fetches: int = 0
    subscribe_sent: list[dict] = field(default_factory=list)
    custom_sent: list[dict] = field(default_factory=list)
    msgids: int = 0


def _error(errcode: int, errmsg: str) -> dict:
    return {"errcode": errcode, "errmsg": errmsg}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class FakeWeChat:
    def __init__(self, appid: str = APPID, secret: str = SECRET):
        self.appid = appid
        self.secret = secret
        self.risky_words = {"gamble", "fraud"}
        self._lock = threading.Lock()
        self._state = _State()
        self._routes = {
            ("GET", "cgi-bin/token"): self._token,
            ("GET", "sns/jscode2session"): self._jscode2session,
            ("POST", "cgi-bin/message/subscribe/send"): self._subscribe_send,
            ("POST", "cgi-bin/message/custom/send"): self._custom_send,
            ("POST", "wxa/getwxacodeunlimit"): self._wxacode,
            ("POST", "wxa/msg_sec_check"): self._msg_sec_check,
        }
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True).start()

    # --- what tests read -------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return list(self._state.calls)

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path.strip("/")]

    @property
    def token_fetches(self) -> int:
        """Tokens issued by cgi-bin/token since the last reset."""
        return self._state.token_fetches

    @property
    def current_token(self) -> str | None:
        """The one token that works now; None before the first fetch and after revoke_tokens()."""
        return self._state.token

    @property
    def subscribe_sent(self) -> list[dict]:
        """Subscribe messages WeChat accepted (touser, template_id, data, page)."""
        return list(self._state.subscribe_sent)

    @property
    def custom_sent(self) -> list[dict]:
        return list(self._state.custom_sent)

    # --- what tests script -----------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._state = _State()
        self.risky_words = {"gamble", "fraud"}

    def add_code(self, code: str, openid: str, unionid: str | None = None) -> str:
        """Register a wx.login code; returns the session_key jscode2session will answer with."""
        answer = {"openid": openid, "session_key": secrets.token_urlsafe(18)}
        if unionid:
            answer["unionid"] = unionid
        self._state.codes[code] = answer
        return answer["session_key"]

    def grant(self, openid: str, template_id: str, n: int | None = 1) -> None:
        """The user accepted `template_id` n more times; n=None is a long-term subscription."""
        key = (openid, template_id)
        with self._lock:
            left = self._state.allowances.get(key, 0)
            self._state.allowances[key] = None if n is None or left is None else left + n

    def allowance(self, openid: str, template_id: str) -> int | None:
        return self._state.allowances.get((openid, template_id), 0)

    def issue_token(self) -> str:
        """A fresh token, as cgi-bin/token would issue; the previous one stops working."""
        with self._lock:
            return self._new_token()

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (AppSecret reset, or a fetch by someone we do
        not know about): calls with any of them get 40001 until a new one is fetched."""
        with self._lock:
            self._state.token = None
            self._state.token_expired = False

    def expire_token(self) -> None:
        """The current token reaches its 7200 s: calls with it get 42001."""
        self._state.token_expired = True

    def fail_next(
        self,
        path: str,
        *,
        errcode: int | None = None,
        errmsg: str | None = None,
        http_status: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a one-shot failure for the next call to `path`; queued failures apply in order.

        errcode answers WeChat's error JSON (HTTP 200); http_status answers a bare HTTP error; delay
        alone holds the answer back (longer than the client's timeout, it is a timeout). A delayed
        call is still carried out afterwards, as WeChat would, unless the fake was reset meanwhile.
        """
        failure = Failure(errcode, errmsg, http_status, delay)
        with self._lock:
            self._state.failures.append((path.strip("/"), failure))

    def fail_randomly(
        self,
        path: str,
        *,
        rate: float,
        seed: int = 0,
        http_statuses: tuple[int, ...] = (500, 502, 503),
        timeout: float | None = None,
        late: bool = False,
    ) -> None:
        """From now on, a share `rate` of the calls to `path` fail (after any fail_next), chosen by a
        random generator seeded with `seed`: each an HTTP status drawn from `http_statuses` or, with
        `timeout` set (longer than the client's timeout), a call held that long. A timed-out call is
        not carried out unless `late` (then WeChat did it, and nobody can tell). rate=0 stops it."""
        with self._lock:
            if rate <= 0:
                self._state.random_failures.pop(path.strip("/"), None)
                return
            failures = RandomFailures(rate, random.Random(seed), http_statuses, timeout, late)
            self._state.random_failures[path.strip("/")] = failures

    def random_failures_drawn(self, path: str) -> Counter:
        """How many of each random failure `path` has answered so far."""
        failures = self._state.random_failures.get(path.strip("/"))
        return Counter(failures.drawn) if failures else Counter()

    def refuse(self, openid: str, errcode: int, errmsg: str | None = None) -> None:
        """Every subscribe push to `openid` answers `errcode` from now on: 43101 (the user refused, or has no
        subscription left), 47003 (WeChat finds the template data bad), or any other."""
        with self._lock:
            self._state.refusals[openid] = (errcode, errmsg or f"fake refusal {errcode}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the server ------------------------------------------------------------------------------

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        path = request.path.strip("/")
        body = request.get_json(force=True, silent=True) if request.method == "POST" else None
        call = Call(request.method, path, dict(request.args), body)
        with self._lock:
            state = self._state
            state.calls.append(call)
            failure = self._take_failure(path)
        if failure is not None:
            if failure.dropped:  # known before the wait: the client gives up long before it ends
                call.answer = "timeout"
            time.sleep(failure.delay)
            if failure.dropped:
                return Response("fake timeout: not carried out", status=504)
            if failure.http_status:
                call.answer = f"http {failure.http_status}"
                return Response("fake upstream failure", status=failure.http_status)
            if failure.errcode is not None:
                call.answer = f"errcode {failure.errcode}"
                return self._json(_error(failure.errcode, failure.errmsg or "fake failure"))
        route = self._routes.get((request.method, path))
        if route is None:
            call.answer = "http 404"
            return Response("not found", status=404)
        with self._lock:
            if state is not self._state:  # reset while this call was delayed: it belongs to no test
                return Response("fake reset", status=503)
            answer = route(request.args, body or {})
        errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        outcome = f"errcode {errcode}" if errcode else "ok"
        call.answer = f"timeout, then {outcome}" if failure is not None and failure.delay else outcome
        call.seconds = time.monotonic() - call.received
        return answer if isinstance(answer, Response) else self._json(answer)

    def _take_failure(self, path: str) -> Failure | None:
        for index, (failing_path, failure) in enumerate(self._state.failures):
            if failing_path == path:
                del self._state.failures[index]
                return failure
        random_failures = self._state.random_failures.get(path)
        return random_failures.draw() if random_failures else None

    @staticmethod
    def _json(payload: dict) -> Response:
        return Response(json.dumps(payload, ensure_ascii=False), content_type="application/json")

    def _new_token(self) -> str:
        self._state.token = secrets.token_urlsafe(24)
        self._state.token_expired = False
        self._state.token_fetches += 1
        return self._state.token

    def _token_problem(self, args) -> dict | None:
        token = args.get("access_token")
        if not token:
            return _error(41001, "access_token missing")
        if token != self._state.token:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if self._state.token_expired:
            return _error(42001, "access_token expired")
        return None

    def _credentials_problem(self, args) -> dict | None:
        if args.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if args.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        return None

    # --- endpoints -------------------------------------------------------------------------------

    def _token(self, args, body):
        if args.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        problem = self._credentials_problem(args)
        if problem:
            return problem
        return {"access_token": self._new_token(), "expires_in": 7200}

    def _jscode2session(self, args, body):
        if args.get("grant_type") != "authorization_code":
            return _error(40002, "invalid grant_type")
        problem = self._credentials_problem(args)
        if problem:
            return problem
        code = args.get("js_code", "")
        if code in self._state.used_codes:
            return _error(40163, "code been used")
        if code not in self._state.codes:
            return _error(40029, "invalid code")
        self._state.used_codes.add(code)
        return dict(self._state.codes[code])

    def _subscribe_send(self, args, body):
        problem = self._token_problem(args)
        if problem:
            return problem
        refusal = self._state.refusals.get(body.get("touser"))
        if refusal:
            return _error(*refusal)
        key = (body.get("touser"), body.get("template_id"))
        left = self._state.allowances.get(key, 0)
        if left == 0:
            return _error(43101, "user refuse to accept the msg")
        problem = _data_problem(body.get("data") or {})
        if problem:
            return _error(47003, problem)
        if left is not None:
            self._state.allowances[key] = left - 1
        self._state.subscribe_sent.append(body)
        self._state.msgids += 1
        return {"errcode": 0, "errmsg": "ok", "msgid": self._state.msgids}

    def _custom_send(self, args, body):
        problem = self._token_problem(args)
        if problem:
            return problem
        self._state.custom_sent.append(body)
        return _error(0, "ok")

    def _wxacode(self, args, body):
        problem = self._token_problem(args)
        if problem:
            return problem
        scene = str(body.get("scene", ""))
        if not scene or len(scene) > 32:
            return _error(40169, "invalid length for scene, or the data is not json string")
        png = io.BytesIO()
        segno.make(scene).save(png, kind="png", scale=2)
        return Response(png.getvalue(), content_type="image/png")

    def _msg_sec_check(self, args, body):
        problem = self._token_problem(args)
        if problem:
            return problem
        content = str(body.get("content", ""))
        if any(word in content for word in self.risky_words):
            return _error(87014, "risky content")
        return _error(0, "ok")


def _data_problem(data: dict) -> str | None:
    """WeChat's 47003 text for the first value that breaks its field kind's rule, or None."""
    for key, item in data.items():
        value = str((item or {}).get("value", ""))
        kind = re.sub(r"\d+$", "", key)
        limit = VALUE_LIMITS.get(kind)
        if limit is not None and len(value) > limit:
            return f"argument invalid! data.{key}.value exceeds limit {limit}"
        if kind == "time" and not _is_time(value):
            return f"argument invalid! data.{key}.value invalid time format"
    return None


def _is_time(value: str) -> bool:
    """A time or a `start~end` range, in one of the formats WeChat accepts (24-hour)."""
    return all(_parses(part.strip()) for part in value.split("~"))


def _parses(text: str) -> bool:
    for fmt in TIME_FORMATS:
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False
