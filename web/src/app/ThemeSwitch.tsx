import { useState } from "react";
import { Switch } from "react-aria-components";
import { applyTheme, currentTheme } from "../theme";

/** ThemeSwitch flips between the light and dark themes and remembers the choice. */
export function ThemeSwitch() {
  const [dark, setDark] = useState(() => currentTheme() === "dark");
  return (
    <Switch
      className="switch"
      isSelected={dark}
      onChange={(on) => {
        setDark(on);
        applyTheme(on ? "dark" : "light", true);
      }}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      Dark theme
    </Switch>
  );
}
