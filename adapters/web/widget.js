/* SPDX-License-Identifier: MIT */
/*
 * widget.js -- the rulingbot chat widget. One tag adds it to any page:
 *
 *   <script src="https://HOST/widget.js" data-rulingbot-url="wss://HOST/" async></script>
 *
 * It draws a launcher button and a chat panel inside a shadow root (so the page's styles
 * and ours never meet), talks to rulingd with the JSON protocol of docs/protocol.md, and
 * shows each answer with its sources. Everything the server sends is put on the page as
 * text, never as HTML. Questions get client-side ids and wait in a queue until their
 * answer arrives, so a dropped connection or a page reload loses none and repeats none.
 *
 * Options (data-rulingbot-* attributes on the script tag, or RulingBot.init({...})):
 *   url       websocket address of rulingd (default: the host the script came from)
 *   title     the panel's heading
 *   lang      interface language, "en" or "es" (default: the page's, then the browser's)
 *   position  "right" (default) or "left"
 *   theme     "auto" (default, follows the reader's setting), "light" or "dark"
 *   open      true to open the panel when the page loads
 * A script tag with data-rulingbot-manual waits for RulingBot.init() instead.
 */
(function () {
	"use strict";

	var STRINGS = {
		en: {
			title: "Ask about City of Chicago v. Sessions",
			launcher: "Ask about the ruling",
			close: "Close the chat",
			log: "Conversation",
			input: "Your question",
			placeholder: "Type a question…",
			send: "Send",
			intro: "Ask about City of Chicago v. Sessions, the 2017 ruling on immigration " +
				"conditions for Byrne JAG police grants, and about sanctuary-city policies. " +
				"Every answer carries its sources.",
			examples: ["Who was the judge?", "Which conditions did the judge block?",
				"What is a sanctuary city?"],
			disclaimer: "General information with sources, not legal advice.",
			you: "You:",
			bot: "rulingbot:",
			sources: "Sources",
			related: "Related questions",
			suggestions: "Try one of these:",
			superseded: "This is no longer current.",
			newTab: "(opens in a new tab)",
			connecting: "Connecting…",
			reconnecting: "Connection lost. Reconnecting…",
			queued: "Your question will be sent when the connection is back.",
			tooLong: "That question is too long. Please shorten it.",
			badRequest: "That question could not be read. Please rephrase it.",
			internal: "The bot could not answer that just now. Please ask again.",
			tooMany: "Please wait for the answers to your earlier questions.",
			months: ["January", "February", "March", "April", "May", "June", "July",
				"August", "September", "October", "November", "December"],
			day: function (d, m, y) { return m + " " + d + ", " + y; },
			month: function (m, y) { return m + " " + y; }
		},
		es: {
			title: "Pregunte sobre City of Chicago v. Sessions",
			launcher: "Preguntar sobre el fallo",
			close: "Cerrar el chat",
			log: "Conversación",
			input: "Su pregunta",
			placeholder: "Escriba una pregunta…",
			send: "Enviar",
			intro: "Pregunte sobre City of Chicago v. Sessions, el fallo de 2017 sobre las " +
				"condiciones migratorias de las subvenciones policiales Byrne JAG, y sobre " +
				"las políticas de ciudades santuario. Cada respuesta trae sus fuentes.",
			examples: ["¿Quién fue el juez?", "¿Qué condiciones bloqueó el juez?",
				"¿Qué es una ciudad santuario?"],
			disclaimer: "Información general con fuentes, no asesoría legal.",
			you: "Usted:",
			bot: "rulingbot:",
			sources: "Fuentes",
			related: "Preguntas relacionadas",
			suggestions: "Pruebe una de estas:",
			superseded: "Esto ya no está vigente.",
			newTab: "(se abre en una pestaña nueva)",
			connecting: "Conectando…",
			reconnecting: "Se perdió la conexión. Reconectando…",
			queued: "Su pregunta se enviará cuando vuelva la conexión.",
			tooLong: "La pregunta es demasiado larga. Acórtela, por favor.",
			badRequest: "No se pudo leer la pregunta. Formúlela de otra manera, por favor.",
			internal: "No se pudo responder en este momento. Pregunte de nuevo, por favor.",
			tooMany: "Espere las respuestas a sus preguntas anteriores, por favor.",
			months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
				"septiembre", "octubre", "noviembre", "diciembre"],
			day: function (d, m, y) { return d + " de " + m + " de " + y; },
			month: function (m, y) { return m + " de " + y; }
		}
	};

	var MAX_QUESTION_BYTES = 2048; /* rulingd's default question limit */
	var MAX_WAITING = 20;	       /* questions queued at once; the server's burst */
	var MAX_KEPT = 200;	       /* conversation items kept in sessionStorage */
	var ANSWER_TIMEOUT = 20000;    /* ms without a reply before the connection is renewed */
	var BACKOFF_FIRST = 500, BACKOFF_MAX = 30000;

	/* ---- small helpers ---- */

	/* Builds an element: el("a", {href: u}, "text", child, ...). Strings become text
	 * nodes, so nothing passed here is ever read as HTML. */
	function el(tag, attrs) {
		var node = document.createElement(tag), i, name, child;

		for (name in attrs || {}) {
			if (attrs[name] === true)
				node.setAttribute(name, "");
			else if (attrs[name] !== false && attrs[name] != null)
				node.setAttribute(name, String(attrs[name]));
		}
		for (i = 2; i < arguments.length; i++) {
			child = arguments[i];
			if (child == null || child === "")
				continue;
			node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
		}
		return node;
	}

	function append(parent, child) {
		if (child)
			parent.appendChild(child);
	}

	function str(v) {
		return typeof v === "string" ? v : "";
	}

	/* Returns url when it is an http(s) address, null otherwise (javascript:, data:, ...). */
	function webAddress(url) {
		try {
			var u = new URL(str(url));
			return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
		} catch (e) {
			return null;
		}
	}

	/* "2017-09-15" in words, as rulingd writes it in text mode; other forms as they are. */
	function dateWords(date, t) {
		var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(str(date)), month;

		if (!m)
			return str(date);
		month = m[2] ? t.months[Number(m[2]) - 1] : null;
		if (m[2] && !month)
			return str(date);
		if (m[3])
			return t.day(Number(m[3]), month, m[1]);
		return m[2] ? t.month(month, m[1]) : m[1];
	}

	function utf8Bytes(s) {
		return new TextEncoder().encode(s).length;
	}

	function newId() {
		var r = Math.random().toString(36).slice(2, 10);
		return "w" + Date.now().toString(36) + r;
	}

	function pickLang(wanted) {
		var l = String(wanted || document.documentElement.lang || navigator.language || "en");
		return l.toLowerCase().slice(0, 2) === "es" ? "es" : "en";
	}

	/* ---- the conversation, kept for the tab's session ---- */

	function Store(key) {
		this.key = key;
	}

	Store.prototype.load = function () {
		try {
			var s = JSON.parse(window.sessionStorage.getItem(this.key) || "null");
			if (s && s.v === 1 && Array.isArray(s.items) && Array.isArray(s.waiting))
				return s;
		} catch (e) { /* storage off or corrupted: start afresh */ }
		return { v: 1, open: false, items: [], waiting: [] };
	};

	Store.prototype.save = function (state) {
		try {
			state.items = state.items.slice(-MAX_KEPT);
			window.sessionStorage.setItem(this.key, JSON.stringify(state));
		} catch (e) { /* full or disabled: the conversation lives until the page goes */ }
	};

	/* ---- the connection to rulingd ---- */

	/* Keeps one websocket open while wanted, reconnecting with exponential backoff and
	 * full jitter so a restarted server is not hit by every reader at the same moment. */
	function Link(url, handlers) {
		this.url = url;
		this.on = handlers; /* open(), message(obj), down() */
		this.ws = null;
		this.attempts = 0;
		this.timer = null;
		this.openedAt = 0;
		this.everUp = false;
		this.wanted = false;
	}

	Link.prototype.start = function () {
		if (this.wanted)
			return;
		this.wanted = true;
		this.connect();
	};

	Link.prototype.connect = function () {
		var self = this, ws;

		clearTimeout(this.timer);
		this.timer = null;
		if (!this.wanted || this.ws)
			return;
		try {
			ws = new WebSocket(this.url, "rulingbot.v1");
		} catch (e) {
			this.retry();
			return;
		}
		this.ws = ws;
		ws.onopen = function () {
			self.openedAt = Date.now();
			self.everUp = true;
			self.on.open();
		};
		ws.onmessage = function (ev) {
			var msg;
			try {
				msg = JSON.parse(ev.data);
			} catch (e) {
				return; /* not ours to show */
			}
			if (msg && typeof msg === "object")
				self.on.message(msg);
		};
		ws.onclose = function () {
			if (self.ws !== ws)
				return;
			self.ws = null;
			/* A connection that stayed up a while earns a quick retry. */
			if (self.openedAt && Date.now() - self.openedAt > 5000)
				self.attempts = 0;
			self.openedAt = 0;
			self.on.down();
			self.retry();
		};
	};

	Link.prototype.retry = function () {
		var self = this, ceiling, delay;

		if (!this.wanted || this.timer)
			return;
		ceiling = Math.min(BACKOFF_MAX, BACKOFF_FIRST * Math.pow(2, this.attempts));
		delay = ceiling / 2 + Math.random() * ceiling / 2;
		this.attempts++;
		this.timer = setTimeout(function () { self.connect(); }, delay);
	};

	/* Connects now when down and waiting to retry (the network is back). */
	Link.prototype.kick = function () {
		if (this.wanted && !this.ws) {
			this.attempts = 0;
			this.connect();
		}
	};

	/* Drops the current socket (if any) and connects again now. */
	Link.prototype.renew = function () {
		var ws = this.ws;

		if (ws) {
			this.ws = null;
			ws.onclose = null;
			ws.close();
			this.on.down();
		}
		this.attempts = 0;
		this.connect();
	};

	Link.prototype.isUp = function () {
		return this.ws !== null && this.ws.readyState === 1;
	};

	Link.prototype.send = function (obj) {
		if (!this.isUp())
			return false;
		this.ws.send(JSON.stringify(obj));
		return true;
	};

	Link.prototype.stop = function () {
		this.wanted = false;
		clearTimeout(this.timer);
		this.timer = null;
		if (this.ws) {
			this.ws.onclose = null;
			this.ws.close();
			this.ws = null;
		}
	};

	/* ---- the widget ---- */

	function Widget(opts) {
		this.opts = opts;
		this.lang = pickLang(opts.lang);
		this.t = STRINGS[this.lang];
		this.store = new Store("rulingbot:" + opts.url);
		this.state = this.store.load();
		this.state.waiting.forEach(function (w) { w.sentOn = null; });
		this.conn = null; /* names the current connection, for what was sent on it */
		this.resendTimer = null;
		this.build();
		this.link = new Link(opts.url, {
			open: this.onOpen.bind(this),
			message: this.onMessage.bind(this),
			down: this.onDown.bind(this)
		});
		this.watchdog = setInterval(this.checkStalled.bind(this), 2000);
		this.onOnline = this.link.kick.bind(this.link);
		window.addEventListener("online", this.onOnline);
		if (opts.open || this.state.open)
			this.open(false);
		if (this.state.waiting.length)
			this.link.start();
	}

	Widget.prototype.build = function () {
		var t = this.t, o = this.opts, self = this, ready;

		this.host = el("div", { "data-rulingbot": "" });
		this.root = this.host.attachShadow({ mode: "open" });
		this.frame = el("div", { "class": "rb", "data-position": o.position,
			"data-theme": o.theme, lang: this.lang, hidden: true });
		/* Shown once our stylesheet is in, so the page never flashes unstyled parts. */
		ready = function () { self.frame.hidden = false; };
		this.root.appendChild(el("link", { rel: "stylesheet", href: o.css }));
		this.root.lastChild.addEventListener("load", ready);
		this.root.lastChild.addEventListener("error", ready);
		this.launcher = el("button", { type: "button", "class": "rb-launcher",
			"aria-expanded": "false", "aria-controls": "rb-panel" },
		el("span", { "class": "rb-launcher-icon", "aria-hidden": "true" }), t.launcher);
		this.launcher.addEventListener("click", function () {
			if (self.panel.hidden)
				self.open(true);
			else
				self.close();
		});
		this.panel = this.buildPanel();
		this.frame.appendChild(this.launcher);
		this.frame.appendChild(this.panel);
		this.root.appendChild(this.frame);
		this.renderAll();
		document.body.appendChild(this.host);
	};

	Widget.prototype.buildPanel = function () {
		var t = this.t, self = this, panel, close;

		close = el("button", { type: "button", "class": "rb-close", "aria-label": t.close },
			el("span", { "aria-hidden": "true" }, "×"));
		close.addEventListener("click", function () { self.close(); });
		this.status = el("p", { "class": "rb-status", role: "status" });
		/* The list of messages inside a log region: a screen reader hears what is added. */
		this.list = el("ol", { "class": "rb-list" });
		this.log = el("div", { "class": "rb-log", role: "log", "aria-live": "polite",
			"aria-label": t.log, tabindex: "0" }, this.list);
		this.typing = el("div", { "class": "rb-typing", "aria-hidden": "true", hidden: true },
			el("span"), el("span"), el("span"));
		this.input = el("input", { id: "rb-input", type: "text", autocomplete: "off",
			enterkeyhint: "send", placeholder: t.placeholder });
		this.form = el("form", { "class": "rb-form" },
			el("label", { "for": "rb-input", "class": "rb-sr" }, t.input), this.input,
			el("button", { type: "submit", "class": "rb-send" }, t.send));
		this.form.addEventListener("submit", function (ev) {
			ev.preventDefault();
			if (self.ask(self.input.value))
				self.input.value = "";
		});
		panel = el("section", { id: "rb-panel", "class": "rb-panel", role: "dialog",
			"aria-labelledby": "rb-title", hidden: true },
		el("header", { "class": "rb-head" },
			el("h2", { id: "rb-title", "class": "rb-title" }, this.opts.title || t.title),
			close),
		this.status, this.log, this.typing, this.form,
		el("p", { "class": "rb-disclaimer" }, t.disclaimer));
		panel.addEventListener("keydown", function (ev) {
			if (ev.key === "Escape") {
				ev.preventDefault();
				self.close();
			}
		});
		panel.addEventListener("click", function (ev) {
			var b = ev.target.closest && ev.target.closest("button[data-question]");
			if (b)
				self.ask(b.getAttribute("data-question"));
		});
		return panel;
	};

	/* Shows or hides the panel, and keeps which for the tab's session. */
	Widget.prototype.showPanel = function (open) {
		this.panel.hidden = !open;
		this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
		if (open)
			this.frame.classList.add("rb-open");
		else
			this.frame.classList.remove("rb-open");
		this.state.open = open;
		this.store.save(this.state);
	};

	Widget.prototype.open = function (focus) {
		this.showPanel(true);
		this.link.start();
		this.showStatus();
		this.scrollDown();
		if (focus)
			this.input.focus();
	};

	Widget.prototype.close = function () {
		this.showPanel(false);
		this.launcher.focus();
	};

	/* Queues a question and sends it when the connection is up. Returns false when it
	 * cannot be taken (empty, too long, too many waiting), after saying why. */
	Widget.prototype.ask = function (text) {
		var q = String(text || "").trim(), item;

		if (q === "")
			return false;
		if (utf8Bytes(q) > MAX_QUESTION_BYTES) {
			this.addItem({ kind: "notice", text: this.t.tooLong });
			return false;
		}
		if (this.state.waiting.length >= MAX_WAITING) {
			this.addItem({ kind: "notice", text: this.t.tooMany });
			return false;
		}
		item = { kind: "user", id: newId(), text: q };
		this.state.waiting.push({ id: item.id, text: q, notBefore: 0 });
		this.addItem(item);
		this.link.start();
		this.flush();
		this.input.focus();
		return true;
	};

	/* Sends every waiting question not yet sent on this connection. */
	Widget.prototype.flush = function () {
		var now = Date.now(), self = this, later = 0;

		this.state.waiting.forEach(function (w) {
			if (w.sentOn === self.conn)
				return;
			if (w.notBefore > now) {
				later = later ? Math.min(later, w.notBefore) : w.notBefore;
				return;
			}
			if (self.link.send({ type: "ask", id: w.id, text: w.text })) {
				w.sentOn = self.conn;
				w.sentAt = now;
			}
		});
		clearTimeout(this.resendTimer);
		this.resendTimer = later ? setTimeout(this.flush.bind(this), later - now) : null;
		this.store.save(this.state);
		this.showStatus();
	};

	Widget.prototype.onOpen = function () {
		this.conn = newId();
		this.flush();
	};

	Widget.prototype.onDown = function () {
		this.showStatus();
	};

	Widget.prototype.onMessage = function (msg) {
		var i, w = null, t = this.t;

		for (i = 0; i < this.state.waiting.length; i++) {
			if (this.state.waiting[i].id === msg.id) {
				w = this.state.waiting[i];
				break;
			}
		}
		if (w === null)
			return; /* not a question of ours, or already answered */
		if (msg.type === "error" && (msg.code === "rate_limited" || msg.code === "overloaded")) {
			/* Not an answer: the question waits and goes again. */
			w.sentOn = null;
			w.notBefore = Date.now() + Math.max(Number(msg.retry_after_ms) || 1000, 200);
			this.flush();
			return;
		}
		this.state.waiting.splice(i, 1);
		if (msg.type === "answer" || msg.type === "clarify" || msg.type === "no_answer")
			this.addItem({ kind: "bot", id: msg.id, reply: msg });
		else
			this.addItem({ kind: "notice", id: msg.id, text: msg.code === "too_long" ?
				t.tooLong : msg.code === "internal" ? t.internal : t.badRequest });
		this.showStatus();
	};

	/* A connection that takes too long to answer is assumed dead and replaced; the
	 * questions go again on the new one, and any late answer is ignored by its id. */
	Widget.prototype.checkStalled = function () {
		var now = Date.now(), self = this;

		if (!this.link.isUp())
			return;
		if (this.state.waiting.some(function (w) {
			return w.sentOn === self.conn && now - w.sentAt > ANSWER_TIMEOUT;
		}))
			this.link.renew();
	};

	Widget.prototype.showStatus = function () {
		var t = this.t, up = this.link.isUp(), text = "", waiting = this.state.waiting.length;

		if (!up && this.link.wanted) {
			text = this.link.everUp ? t.reconnecting : t.connecting;
			if (waiting)
				text += " " + t.queued;
		}
		if (this.status.textContent !== text)
			this.status.textContent = text;
		this.typing.hidden = !(up && waiting);
		this.log.setAttribute("aria-busy", up && waiting ? "true" : "false");
	};

	/* ---- drawing the conversation ---- */

	Widget.prototype.addItem = function (item) {
		var node = this.renderItem(item), prev;

		this.state.items.push(item);
		this.store.save(this.state);
		this.list.appendChild(node);
		/* A long answer is read from its start: show it under the question it answers. */
		prev = node.previousElementSibling;
		if (item.kind === "user" || !prev)
			this.scrollDown();
		else
			this.log.scrollTop = (prev.classList.contains("rb-user") ? prev : node).offsetTop - 12;
	};

	Widget.prototype.renderAll = function () {
		var self = this;

		this.list.textContent = "";
		this.list.appendChild(this.renderIntro());
		this.state.items.forEach(function (item) {
			self.list.appendChild(self.renderItem(item));
		});
	};

	Widget.prototype.scrollDown = function () {
		this.log.scrollTop = this.log.scrollHeight;
	};

	/* A list of buttons, each asking a question of list, under label (null for none). */
	Widget.prototype.questionButtons = function (label, list, cls) {
		var ul = el("ul", { "class": "rb-questions" });

		(Array.isArray(list) ? list : []).forEach(function (q) {
			var text = typeof q === "string" ? q : str(q && q.question);
			if (text)
				ul.appendChild(el("li", null, el("button", { type: "button",
					"class": "rb-question", "data-question": text }, text)));
		});
		if (!ul.firstChild)
			return null;
		if (label === null)
			return el("div", { "class": cls }, ul);
		return el("div", { "class": cls }, el("p", { "class": "rb-label" }, label), ul);
	};

	Widget.prototype.renderIntro = function () {
		var t = this.t;

		/* Already on the page when the log is first read: not announced. */
		return el("li", { "class": "rb-msg rb-bot rb-intro", "aria-live": "off" },
			el("p", { "class": "rb-text" }, t.intro),
			this.questionButtons(t.suggestions, t.examples, "rb-examples"));
	};

	Widget.prototype.renderItem = function (item) {
		var t = this.t;

		if (item.kind === "user")
			/* The reader's own words are not read back to them: only answers are announced. */
			return el("li", { "class": "rb-msg rb-user", "aria-live": "off" },
				el("span", { "class": "rb-sr" }, t.you + " "), str(item.text));
		if (item.kind === "bot")
			return this.renderReply(item.reply || {});
		return el("li", { "class": "rb-msg rb-bot rb-notice" },
			el("span", { "class": "rb-sr" }, t.bot + " "), str(item.text));
	};

	Widget.prototype.renderReply = function (r) {
		var t = this.t, li, sources;

		li = el("li", { "class": "rb-msg rb-bot", lang: r.lang === "es" ? "es" : "en" },
			el("p", { "class": "rb-text" }, el("span", { "class": "rb-sr" }, t.bot + " "),
				str(r.text)));
		if (r.status === "superseded" || r.status === "partly-superseded")
			li.appendChild(this.renderSuperseded(r.superseded_by));
		sources = Array.isArray(r.sources) ? r.sources : [];
		if (sources.length)
			li.appendChild(this.renderSources(sources));
		if (r.type === "no_answer")
			append(li, this.questionButtons(t.suggestions, r.suggestions, "rb-suggestions"));
		/* The reply's text already asks "did you mean one of these?": no heading. */
		if (r.type === "clarify")
			append(li, this.questionButtons(null, r.choices, "rb-choices"));
		append(li, this.questionButtons(t.related, r.related, "rb-related"));
		return li;
	};

	Widget.prototype.renderSuperseded = function (later) {
		var note = el("p", { "class": "rb-superseded" }, el("strong", null, this.t.superseded));
		var q = str(later && later.question);

		if (q) {
			note.appendChild(document.createTextNode(" "));
			note.appendChild(el("button", { type: "button", "class": "rb-question",
				"data-question": q }, q));
		}
		return note;
	};

	Widget.prototype.renderSources = function (sources) {
		var t = this.t, id = "rb-src-" + newId(), ol = el("ol", { "class": "rb-sources",
			"aria-labelledby": id });

		sources.forEach(function (s) {
			var url = webAddress(s.url), title = str(s.title) || str(s.publisher), meta, li;

			meta = [str(s.publisher), dateWords(s.date, t), str(s.pinpoint)].filter(Boolean);
			li = el("li", { "class": "rb-source" },
				url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, title,
					el("span", { "class": "rb-sr" }, " " + t.newTab)) :
					el("span", { "class": "rb-source-title" }, title),
				meta.length ? el("span", { "class": "rb-meta" }, " — " + meta.join(", ")) : null,
				s.citation ? el("cite", { "class": "rb-cite" }, str(s.citation)) : null,
				s.quote ? el("blockquote", { "class": "rb-quote" }, "“" + str(s.quote) + "”") :
					null);
			ol.appendChild(li);
		});
		return el("div", { "class": "rb-sources-box" },
			el("p", { "class": "rb-label", id: id }, t.sources), ol);
	};

	Widget.prototype.destroy = function () {
		this.link.stop();
		clearInterval(this.watchdog);
		clearTimeout(this.resendTimer);
		window.removeEventListener("online", this.onOnline);
		this.host.remove();
	};

	/* ---- options and start-up ---- */

	/* currentScript is null when the file is loaded as a module: then the tag with our
	 * options is looked up. */
	var script = document.currentScript || document.querySelector("script[data-rulingbot-url]");
	var instance = null;

	function scriptBase() {
		return script && script.src ? script.src : location.href;
	}

	function defaultUrl() {
		var u = new URL("/", scriptBase());
		u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
		return u.href;
	}

	function fromScriptTag() {
		var d = script ? script.dataset : {};

		return { url: d.rulingbotUrl, title: d.rulingbotTitle, lang: d.rulingbotLang,
			position: d.rulingbotPosition, theme: d.rulingbotTheme,
			open: d.rulingbotOpen !== undefined && d.rulingbotOpen !== "false" };
	}

	function normalise(o) {
		return {
			url: o.url || defaultUrl(),
			title: o.title || "",
			lang: o.lang || "",
			position: o.position === "left" ? "left" : "right",
			theme: o.theme === "light" || o.theme === "dark" ? o.theme : "auto",
			open: o.open === true,
			css: o.css || new URL("widget.css", scriptBase()).href
		};
	}

	function start(opts) {
		if (!document.body) {
			document.addEventListener("DOMContentLoaded", function () { start(opts); });
			return;
		}
		if (instance)
			instance.destroy();
		instance = new Widget(normalise(opts || {}));
	}

	window.RulingBot = {
		/* Starts the widget with these options (replacing one already started). */
		init: function (opts) { start(opts || {}); },
		open: function () { if (instance) instance.open(true); },
		close: function () { if (instance) instance.close(); },
		ask: function (text) { return instance ? instance.ask(text) : false; },
		destroy: function () { if (instance) instance.destroy(); instance = null; }
	};

	if (script && !("rulingbotManual" in script.dataset))
		start(fromScriptTag());
})();
