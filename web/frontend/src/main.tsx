import { render } from 'preact';
import './styles/app.css';
import { App } from './App';
import { expire, loadSession, mayHaveSession } from './auth/session';
import { startLive } from './live/live';

// A returning user: open the live link while the session is being checked (one round trip
// less before the dashboard fills); App stops it if the session turns out to be gone.
if (mayHaveSession()) startLive(expire);
loadSession();
render(<App />, document.getElementById('app')!);
