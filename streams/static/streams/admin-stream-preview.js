// The stream admin's preview: the playlist natively where the browser plays HLS, else through hls.js.
const video = document.querySelector("video.bw-stream-preview");
if (video) {
  const src = video.dataset.src;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
    video.play().catch(() => {});
  } else {
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
}
