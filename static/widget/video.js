// The live picture of a widget with streams (loaded only by those widgets, see streams/templates/streams/video.html).
//
// One <video> (or one framed player page) for the featured game; "watch" buttons under it,
// one per game with a stream, swap it. Video is fetched only while at least half of the
// picture is on screen and the tab is visible: otherwise the source is detached, so
// nothing downloads. Native HLS where the engine plays it, else hls.js, loaded on first
// need. A failure or a stall shows the poster and a message and retries with backoff;
// the live data (widget.js) never depends on any of this.

const root = document.querySelector(".bw-root");
const figure = root && root.querySelector(".bw-video");
const data = JSON.parse(document.getElementById("bw-streams").textContent);
const video = figure.querySelector(".bw-video-player");
const frame = figure.querySelector(".bw-video-frame");
const message = figure.querySelector(".bw-video-message");
const playButton = figure.querySelector(".bw-video-play");
const soundButton = figure.querySelector(".bw-video-sound");
const fullButton = figure.querySelector(".bw-video-full");
const labels = data.labels;

const HLS_TYPE = "application/vnd.apple.mpegurl";
const STALL_MS = 12000; // no new frame for this long while playing: the stream has stalled
const LIVE_DRIFT_S = 8; // more than this behind the live edge (about four 2 s segments): jump ahead
const BACKOFF_MS = [2000, 4000, 8000, 16000, 30000, 60000];
// Phone-sized buffers; the live edge three segments back; no worker (the page's CSP allows only 'self' scripts).
const HLS_CONFIG = {
  enableWorker: false,
  lowLatencyMode: false,
  liveSyncDurationCount: 3,
  liveMaxLatencyDurationCount: 5,
  maxLiveSyncPlaybackRate: 1.25,
  maxBufferLength: 8,
  maxMaxBufferLength: 12,
  maxBufferSize: 4 * 1000 * 1000,
  backBufferLength: 4,
  capLevelToPlayerSize: true,
  manifestLoadingMaxRetry: 1,
  levelLoadingMaxRetry: 2,
  fragLoadingMaxRetry: 2,
};

const player = {
  current: data.featured,
  inView: false,
  tapped: false,
  attached: false,
  hls: null,
  page: null,
  failures: 0,
  retryTimer: 0,
  lastTime: -1,
  lastProgress: 0,
};

function saveData() {
  const connection = navigator.connection;
  return Boolean((connection && connection.saveData) || matchMedia("(prefers-reduced-data: reduce)").matches);
}

function stream() {
  return data.streams[String(player.current)];
}

function wanted() {
  return player.inView && document.visibilityState === "visible" && !player.retryTimer && (player.tapped || !saveData());
}

// ---- the player

let hlsLoading = null;
function loadHls() {
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = data.hls;
      script.onload = () => (window.Hls ? resolve(window.Hls) : reject(new Error("hls.js missing")));
      script.onerror = () => {
        hlsLoading = null;
        reject(new Error("hls.js did not load"));
      };
      document.head.append(script);
    });
  }
  return hlsLoading;
}

function attach() {
  const source = stream();
  if (!source) return;
  player.attached = true;
  player.lastTime = -1;
  player.lastProgress = Date.now();
  figure.dataset.state = "loading";
  if (source.kind === "page") {
    player.page = document.createElement("iframe");
    player.page.className = "bw-video-page";
    player.page.src = source.url;
    player.page.allow = "autoplay; fullscreen";
    player.page.title = caption().textContent;
    frame.prepend(player.page);
    video.hidden = true;
    return;
  }
  video.hidden = false;
  if (video.canPlayType(HLS_TYPE)) {
    video.src = source.url;
    play();
    return;
  }
  loadHls().then(
    (Hls) => {
      if (!player.attached || stream() !== source) return;
      if (!Hls.isSupported()) return fail();
      player.hls = new Hls(HLS_CONFIG);
      player.hls.on(Hls.Events.ERROR, (_event, detail) => detail.fatal && fail());
      player.hls.loadSource(source.url);
      player.hls.attachMedia(video);
      play();
    },
    () => fail(),
  );
}

function play() {
  video.play().catch(() => {}); // refused autoplay: the poster stays; a tap on the picture plays
}

// Nothing stays connected: the next attach starts again at the live edge.
function detach() {
  player.attached = false;
  if (player.hls) {
    player.hls.destroy();
    player.hls = null;
  }
  if (player.page) {
    player.page.remove();
    player.page = null;
  }
  if (video.hasAttribute("src")) {
    video.removeAttribute("src");
    video.load();
  }
  figure.dataset.state = "idle";
}

function fail() {
  detach();
  figure.dataset.state = "failed";
  message.textContent = labels.failed;
  message.hidden = false;
  const delay = BACKOFF_MS[Math.min(player.failures, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4);
  player.failures += 1;
  clearTimeout(player.retryTimer);
  player.retryTimer = setTimeout(() => {
    player.retryTimer = 0;
    update();
  }, delay);
}

function update() {
  showPoster();
  playButton.hidden = !(saveData() && !player.tapped && !player.attached);
  if (wanted() && !player.attached) attach();
  else if (!wanted() && player.attached) detach();
}

// The poster too waits until the picture is on screen.
function showPoster() {
  const source = stream();
  const poster = (player.inView && source && source.poster) || "";
  if (video.getAttribute("poster") !== poster) {
    if (poster) video.setAttribute("poster", poster);
    else video.removeAttribute("poster");
  }
}

video.addEventListener("error", () => player.attached && fail());
video.addEventListener("playing", () => {
  figure.dataset.state = "playing";
});
video.addEventListener("timeupdate", () => {
  if (video.currentTime !== player.lastTime) {
    player.lastTime = video.currentTime;
    player.lastProgress = Date.now();
    if (player.failures && video.currentTime > 0) {
      player.failures = 0;
      message.hidden = true;
    }
    if (!message.hidden && figure.dataset.state === "playing") message.hidden = true;
  }
  keepLiveEdge();
});

// A native player may fall behind live; hls.js keeps its own edge (liveMaxLatencyDurationCount).
function keepLiveEdge() {
  if (player.hls || !video.seekable.length) return;
  const edge = video.seekable.end(video.seekable.length - 1);
  if (edge - video.currentTime > LIVE_DRIFT_S) video.currentTime = edge - 4;
}

setInterval(() => {
  if (!player.attached || !stream() || stream().kind === "page" || video.paused) return;
  if (Date.now() - player.lastProgress > STALL_MS) fail();
}, 2000);

// ---- visibility: at least half on screen, and the tab visible

new IntersectionObserver(
  (entries) => {
    player.inView = entries[entries.length - 1].intersectionRatio >= 0.5;
    update();
  },
  { threshold: [0, 0.5, 1] },
).observe(figure);
document.addEventListener("visibilitychange", update);

// ---- taps: play (Save-Data), sound, full screen

playButton.addEventListener("click", () => {
  player.tapped = true;
  update();
});
video.addEventListener("click", () => {
  player.tapped = true;
  if (video.paused && player.attached) play();
  update();
});
soundButton.addEventListener("click", () => {
  video.muted = !video.muted;
  soundButton.setAttribute("aria-pressed", String(!video.muted));
  if (!video.muted) play();
});
fullButton.addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (frame.requestFullscreen) frame.requestFullscreen().catch(() => {});
  else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen(); // iPhone: the video element only
});

// ---- the caption (the featured game's live state over the picture) and "watch" on the others

function card(t) {
  return root.querySelector(`.bw-game[data-t="${Number(t)}"]`);
}

function caption() {
  return figure.querySelector(".bw-video-caption");
}

function drawCaption() {
  const item = card(player.current);
  const name = item ? item.querySelector(".bw-game-name").textContent : "";
  const state = item ? item.querySelector(".bw-state").textContent : "";
  const countdown = item && item.querySelector(".bw-countdown:not([hidden]) .bw-countdown-text");
  figure.querySelector(".bw-video-name").textContent = name;
  figure.querySelector(".bw-video-state").textContent = countdown ? `${state} ${countdown.textContent}` : state;
  figure.setAttribute("aria-label", name);
}

// The watch buttons follow the cards' names (widget.js renames them when the feed's names arrive).
function drawWatchButtons() {
  for (const button of figure.querySelectorAll(".bw-watch")) {
    const item = card(button.dataset.t);
    const name = item && item.querySelector(".bw-game-name").textContent;
    if (name && button.textContent !== name) button.textContent = name;
    button.setAttribute("aria-pressed", String(Number(button.dataset.t) === player.current));
  }
}

for (const button of figure.querySelectorAll(".bw-watch")) {
  button.addEventListener("click", () => watch(Number(button.dataset.t)));
}

function watch(t) {
  if (t === player.current) return;
  detach();
  clearTimeout(player.retryTimer);
  player.retryTimer = 0;
  player.failures = 0;
  message.hidden = true;
  player.current = t;
  figure.dataset.t = String(t);
  player.tapped = true; // choosing a game is the tap Save-Data waits for
  drawWatchButtons();
  drawCaption();
  update();
}

const list = root.querySelector(".bw-game-list");
new MutationObserver(() => {
  drawWatchButtons();
  drawCaption();
}).observe(list, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["hidden"] });
figure.dataset.state = "idle";
drawWatchButtons();
drawCaption();
update();
