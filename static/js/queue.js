// The review queue: a card's tick box ticks (or clears) all of that upload's matches for a bulk decision.
document.querySelectorAll(".tick-card").forEach((box) => {
  box.addEventListener("change", () => {
    box.closest("tbody").querySelectorAll("input[name=ids]").forEach((tick) => {
      tick.checked = box.checked;
    });
  });
});
