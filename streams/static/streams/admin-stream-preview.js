// The stream admin's preview: the playlist natively where the browser plays HLS, else through hls.js.
// (The admin loads this in <head>: wait for the form.)
function preview() {
  const video = document.querySelector("video.bw-stream-preview");
  if (!video) return;
  const src = video.dataset.src;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
    video.play().catch(() => {});
    return;
  }
  const script = document.createElement("script");
  script.src = video.dataset.hls;
  script.onload = () => {
    const Hls = window.Hls;
    if (!Hls || !Hls.isSupported()) return;
    const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 3 });
    hls.loadSource(src);
    hls.attachMedia(video);
    video.play().catch(() => {});
  };
  document.head.append(script);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", preview);
else preview();
