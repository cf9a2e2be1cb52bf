// Shows how a partner page reacts to the widget's events.
document.addEventListener("DOMContentLoaded", function () {
  var output = document.getElementById("demo-last-event");
  ["ready", "resize", "connection", "result", "jackpot", "error", "select"].forEach(function (name) {
    document.addEventListener("betcore:" + name, function (event) {
      output.textContent = name + " " + JSON.stringify(event.detail);
      document.body.dataset["last" + name[0].toUpperCase() + name.slice(1)] = JSON.stringify(event.detail);
    });
  });
});
